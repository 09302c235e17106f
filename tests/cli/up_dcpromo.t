# issue 14 item 5: machine promote/demote against the live daemon (the
# command is forwarded): the promoted Windows 2000 server restarts as a DC,
# its store cannot log on without the locally granted right (1069) and the
# listener reports it; granted in the domain's policy it serves again; the
# NT 4.0 refusal changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon_lib.sh"
L="$NTLAB -C lab"
expect_rc 0 "$NTLAB" init lab --preset q189732
expect_rc 0 $L machine add W2KDC --role pdc --os w2k --domain W2K
expect_rc 0 $L machine add W2KMEM --role member --os w2k --domain W2K
expect_rc 0 $L user add svc --password Svc1pass --machine W2KDC
expect_rc 0 $L user add bob --password B0bpass --machine W2KDC
expect_rc 0 $L ntrights +r SeServiceLogonRight -u 'W2K\svc' -m '\\W2KMEM'
expect_rc 0 $L ntrights +r SeTcbPrivilege -u 'W2K\svc' -m '\\W2KMEM'
expect_rc 0 $L service add MSExchangeIS --image msexchangeis --account 'W2K\svc' --password Svc1pass --start auto --machine W2KMEM
expect_rc 0 $L mailbox add bob --owner 'W2K\bob' --machine W2KMEM
PORT=$(free_port)
start_daemon lab --listen "W2KMEM=127.0.0.1:$PORT"
login() { printf 'USER W2K\\bob\r\nPASS B0bpass\r\nQUIT\r\n' | pop "$PORT" > got; sed -n 3p got | tr -d '\r'; }
r=$(login)
[ "$r" = "+OK User successfully logged on" ] || die "before promote: $r"

expect_rc 1 $L machine promote EXCHSRV
expect_grep "only by reinstalling Windows NT"
expect_rc 0 $L machine promote W2KMEM
expect_grep '^promoted W2KMEM +bdc +Windows 2000 +W2K +running'
expect_grep 'MSExchangeIS +stopped \(1069 ERROR_SERVICE_LOGON_FAILED'
expect_rc 0 $L status
expect_grep 'W2KMEM +store not running'
[ ! -e lab/W2KMEM/sam.txt ] && [ ! -e lab/W2KMEM/policy.inf ] || die "a DC keeps no local SAM or policy"
grep -qx 'role = bdc' lab/W2KMEM/machine.conf || die "machine.conf: $(cat lab/W2KMEM/machine.conf)"

expect_rc 0 $L rights grant 'W2K\svc' SeServiceLogonRight SeTcbPrivilege --focus W2K
expect_rc 0 $L service start MSExchangeIS --machine W2KMEM
r=$(login)
[ "$r" = "+OK User successfully logged on" ] || die "after the domain grant: $r"

# and back: a member server whose new local policy grants svc nothing
expect_rc 0 $L machine demote W2KMEM --admin-password L0calpw
expect_grep '^demoted W2KMEM +member +Windows 2000 +W2K +running'
expect_grep 'MSExchangeIS +stopped \(1069'
[ -e lab/W2KMEM/sam.txt ] && [ -e lab/W2KMEM/policy.inf ] || die "a member server has its own SAM and policy"
expect_rc 0 "$NTLAB" -C lab down
expect_rc 0 $L machine list
expect_grep '^W2KMEM +member '
