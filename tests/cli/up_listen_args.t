# issue 12: `up --listen` arguments are checked before the lab is looked at,
# and each error names the input: a lab without an Exchange store used to
# answer a bad port with "no machine of this lab has an Exchange store".
. "$(dirname "$0")/lib.sh"
expect_rc 0 "$NTLAB" init bare --name L --os nt4 --role standalone
expect_rc 0 "$NTLAB" init lab --preset q189732
for lab in bare lab; do
    expect_rc 2 "$NTLAB" -C $lab up --listen 127.0.0.1:99999
    expect_grep "^ntlab: up: --listen '127.0.0.1:99999': port '99999' is not a number from 1 to 65535"
    printf '%s\n' "$out" | grep -q "Exchange store" && die "the bad port must be named first: $out"
    expect_rc 2 "$NTLAB" -C $lab up --listen 127.0.0.1:0
    expect_grep "'127.0.0.1:0': port '0' is not"
    expect_rc 2 "$NTLAB" -C $lab up --listen :1110
    expect_grep "':1110': no address before ':'"
    expect_rc 2 "$NTLAB" -C $lab up --listen ''
    expect_grep "^ntlab: up: --listen '': empty"
    expect_rc 2 "$NTLAB" -C $lab up --listen 127.0.0.1:
    expect_grep "'127.0.0.1:': no port after ':'"
    expect_rc 2 "$NTLAB" -C $lab up --listen host.example:110
    expect_grep "'host.example' is not a numeric IPv4 address"
    expect_rc 2 "$NTLAB" -C $lab up --listen '[::1:110'
    expect_grep "needs the form \[ADDR\]:PORT"
    expect_rc 2 "$NTLAB" -C $lab up --listen =127.0.0.1:1110
    expect_grep "'=127.0.0.1:1110': no machine name before '='"
    expect_rc 2 "$NTLAB" -C $lab up --listen EXCHSRV=
    expect_grep "'EXCHSRV=': no ADDR:PORT after '='"
    # well-formed: what the lab says about it
    expect_rc 1 "$NTLAB" -C $lab up --listen NOSUCH=127.0.0.1:1110
    expect_grep "--listen 'NOSUCH=127.0.0.1:1110': no machine 'NOSUCH' in this lab"
    [ ! -e $lab/ntlab.pid ] || die "a refused up left its pid file"
done
expect_rc 1 "$NTLAB" -C bare up --listen 127.0.0.1:1110
expect_grep "no machine of this lab has an Exchange store"
