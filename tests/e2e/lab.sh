# Shared setup for the e2e tests (sourced): the q189732 lab with the
# article's fix applied, EXCHSRV's persona set to $1, a daemon on a free
# port ($PORT), killed by its pid when the test ends.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/../cli/daemon_lib.sh"
e2e_lab() {
    expect_rc 0 "$NTLAB" init lab --preset q189732
    expect_rc 0 "$NTLAB" -C lab ntrights +r SeTcbPrivilege -u 'CORP\EXCHSVC' -m '\\EXCHSRV'
    # exchange.conf is the store's documented text settings; the persona is one line
    sed -i "s/^persona = .*/persona = $1/" lab/EXCHSRV/exchange.conf
    grep -qx "persona = $1" lab/EXCHSRV/exchange.conf || die "persona not set"
    expect_rc 0 "$NTLAB" -C lab mailbox add carol --owner 'CORP\alice' --apop-secret tanstaaf
    printf 'Subject: for carol\r\n\r\n.dot\r\nend\r\n' > carol.eml
    expect_rc 0 "$NTLAB" -C lab mail deliver carol carol.eml
    PORT=$(free_port)
    start_daemon lab --listen "127.0.0.1:$PORT"
}
