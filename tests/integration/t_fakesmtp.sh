# fakesmtp against real peers on loopback: swaks (plain and --tls),
# openssl s_client -starttls smtp, posttls-finger (Postfix), and raw
# sockets (python3) for the hostile cases; SIGHUP, SIGTERM, and a SIGKILL
# durability check. Runs in a private network namespace (unshare -rn) when
# it can (port 25), on the host's loopback with a random high port otherwise.
# Needs: swaks, openssl, python3, jq; posttls-finger (postfix) is optional.
. "$(dirname "$0")/lib_fsmtp.sh"

# wait_port ADDR: up to 5 s for something to listen on ADDR:$PORT
wait_port() {
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('$1', $PORT), 1).close()" \
            2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# last_record LISTENER: the last session JSON line of that listener
last_record() {
    grep "\"listener\":\"$1\"" "$D/sessions.jsonl" | tail -n 1
}

# Test certificates with the openssl CLI: self-signed P-256 leaves.
mkcert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$D/$1.key" -out "$D/$1.pem" -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
        >/dev/null 2>&1
}
mkcert mx1 mx1.fs.test && mkcert alt alt.fs.test && mkcert other other.fs.test
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout "$D/rsa.key" -out "$D/rsa.pem" \
    -subj "/CN=rsa.fs.test" -addext "subjectAltName=DNS:rsa.fs.test" >/dev/null 2>&1
check "test certificates made with openssl" test -s "$D/mx1.pem" -a -s "$D/other.key" -a -s "$D/rsa.pem"

listeners() {
    cat <<EOF
    {"name": "mx1.fs.test", "address": "127.26.0.1", "port": $PORT, "maildir": "mail/mx1",
     "tls": {"cert": "mx1.pem", "key": "mx1.key",
             "sni": {"alt.fs.test": {"cert": "alt.pem", "key": "alt.key"}}}},
    {"name": "notls.fs.test", "address": "127.26.0.2", "port": $PORT,
     "starttls_advertise": false, "starttls": "454"},
    {"name": "no454.fs.test", "address": "127.26.0.3", "port": $PORT, "starttls": "454"},
    {"name": "abort.fs.test", "address": "127.26.0.5", "port": $PORT,
     "tls": {"cert": "mx1.pem", "key": "mx1.key", "fault": "abort-after-hello"}},
    {"name": "wrongkey.fs.test", "address": "127.26.0.6", "port": $PORT,
     "tls": {"cert": "mx1.pem", "key": "mx1.key", "fault": "wrong-key", "fault_key": "other.key"}},
    {"name": "idle.fs.test", "address": "127.26.0.7", "port": $PORT, "idle_timeout": 1},
    {"name": "inject.fs.test", "address": "127.26.0.10", "port": $PORT,
     "starttls_inject": "250-mx1.injected.test\\n250 PIPELINING\\n554 5.7.1 injected",
     "tls": {"cert": "mx1.pem", "key": "mx1.key"}},
    {"name": "dual.fs.test", "address": "127.26.0.11", "port": $PORT,
     "tls": {"cert": "mx1.pem", "key": "mx1.key", "alt_cert": "rsa.pem", "alt_key": "rsa.key"}},
EOF
}
write_conf() { # RCPT_REPLY EXTRA_LISTENER
    {
        echo '{"session_log": "sessions.jsonl", "grace": 10, "listeners": ['
        listeners
        echo "    {\"name\": \"rcpt.fs.test\", \"address\": \"127.26.0.4\", \"port\": $PORT $1}$2"
        echo ']}'
    } >"$D/conf.json.tmp" && mv "$D/conf.json.tmp" "$D/conf.json"
}
write_conf ', "reply": {"rcpt": "550 5.1.1 no such user"}' ''

check "fakesmtp -t accepts the configuration" "$FAKESMTP" -t -c "$D/conf.json"
printf '{"listeners": [{"name": "x", "address": "127.26.0.9", "tls": {"cert": "nope.pem"}}]}' \
    >"$D/bad.json"
check_status "a bad configuration exits 2" 2 "$FAKESMTP" -c "$D/bad.json" -f
check_output "the error names the file and JSON path" \
    'bad.json: \$\.listeners\[0\]\.tls: needs both cert and key' "$FAKESMTP" -c "$D/bad.json" -f

"$FAKESMTP" -c "$D/conf.json" -f -p "$D/fakesmtp.pid" 2>"$D/fakesmtp.log" &
FS_PID=$!
if wait_port 127.26.0.1 && wait_port 127.26.0.4; then ok "fakesmtp listens"; else
    not_ok "fakesmtp listens" "$(cat "$D/fakesmtp.log")"
fi
check "pidfile holds the server's pid" grep -qx "$FS_PID" "$D/fakesmtp.pid"

# --- plain delivery, stored whole ---------------------------------------
printf 'From: a@src.test\nTo: b@mx1.fs.test\nSubject: plain\n\nline one\n.leading dot\nlast line\n' \
    >"$D/msg1.txt"
check_output "swaks: plain message accepted" '250 2.0.0 Ok: queued as' \
    swaks --server 127.26.0.1 --port "$PORT" --from a@src.test --to b@mx1.fs.test \
    --data "@$D/msg1.txt"
f=$(ls "$D/mail/mx1/new" 2>/dev/null | head -n 1)
# swaks ends DATA with one more CRLF before the dot: that line is the message's
{ sed 's/$/\r/' "$D/msg1.txt" && printf '\r\n'; } >"$D/msg1.crlf"
if [ -n "$f" ] && cmp -s "$D/msg1.crlf" "$D/mail/mx1/new/$f"; then
    ok "message stored whole in maildir new/"
else
    not_ok "message stored whole in maildir new/" "$(ls -R "$D/mail" 2>&1)"
fi
check_output "session log names the message file" "\"file\":\"$f\"" last_record mx1.fs.test

# --- STARTTLS offered and used, SNI recorded ------------------------------
check_output "swaks --tls: delivered over TLS" '250 2.0.0 Ok: queued as' \
    swaks --server 127.26.0.1 --port "$PORT" --to b@mx1.fs.test --tls --tls-sni alt.fs.test
check_output "session JSON: starttls, SNI, and the SNI certificate presented" \
    '"sni":"alt.fs.test","cert_subject":"CN=alt.fs.test"' last_record mx1.fs.test
check_output "session JSON: TLS version and cipher" '"version":"TLSv1\.[23]","cipher":"[A-Z0-9_-]+"' \
    last_record mx1.fs.test
check_output "openssl s_client -starttls smtp -servername: handshake" \
    'subject=CN ?= ?mx1\.fs\.test' \
    sh -c "echo QUIT | openssl s_client -connect 127.26.0.1:$PORT -starttls smtp \
        -servername mx1.fs.test 2>&1"
check_output "session JSON records s_client's SNI" '"sni":"mx1.fs.test","cert_subject":"CN=mx1.fs.test"' \
    last_record mx1.fs.test
if command -v posttls-finger >/dev/null 2>&1; then
    mkdir -p "$D/postfix" && : >"$D/postfix/main.cf"
    out=$(env MAIL_CONFIG="$D/postfix" posttls-finger -c -l may -s pf.fs.test \
        "[127.26.0.1]:$PORT" 2>&1)
    if printf '%s\n' "$out" | grep -q 'fatal: set[gu]id'; then
        skip "posttls-finger cannot drop privileges in a user namespace"
    elif printf '%s\n' "$out" | grep -Eq 'TLS connection established to 127\.26\.0\.1.*TLSv1\.3'; then
        ok "posttls-finger: TLS connection established"
        check_output "session JSON records posttls-finger's SNI" '"sni":"pf.fs.test"' \
            last_record mx1.fs.test
    else
        not_ok "posttls-finger: TLS connection established" "$out"
    fi
else
    skip "posttls-finger not installed"
fi

# --- STARTTLS not advertised, 454, rejection at RCPT ------------------------
out=$(swaks --server 127.26.0.2 --port "$PORT" --to b@x.test --quit-after EHLO 2>&1)
if printf '%s\n' "$out" | grep -q '250-notls.fs.test' && ! printf '%s\n' "$out" | grep -q STARTTLS; then
    ok "STARTTLS not advertised"
else
    not_ok "STARTTLS not advertised" "$out"
fi
check_output "swaks --tls refuses a host without STARTTLS" 'STARTTLS' \
    swaks --server 127.26.0.2 --port "$PORT" --to b@x.test --tls
check_output "STARTTLS answered 454 4.7.0" '454 4.7.0 TLS not available' \
    swaks --server 127.26.0.3 --port "$PORT" --to b@x.test --tls
check_output "rejection at RCPT" '<\*\* +550 5.1.1 no such user' \
    swaks --server 127.26.0.4 --port "$PORT" --to b@x.test

# --- deliberate TLS faults --------------------------------------------------
check_output "abort-after-hello: the handshake fails" 'handshake failure|alert' \
    sh -c "openssl s_client -connect 127.26.0.5:$PORT -starttls smtp </dev/null 2>&1"
check_output "session JSON: tls-failed" '"outcome":"tls-failed"' last_record abort.fs.test
check_output "wrong-key: the client sees a bad signature" 'bad signature|decrypt error' \
    sh -c "openssl s_client -connect 127.26.0.6:$PORT -starttls smtp </dev/null 2>&1"

# --- two certificates: OpenSSL picks by the client's signature algorithms ---
check_output "alt_cert: a client offering only RSA signatures gets the RSA certificate" \
    'subject=CN ?= ?rsa\.fs\.test' sh -c "echo QUIT | openssl s_client -connect 127.26.0.11:$PORT \
        -starttls smtp -sigalgs RSA-PSS+SHA256:RSA+SHA256 2>&1"
check_output "alt_cert: a client offering only ECDSA signatures gets the ECDSA certificate" \
    'subject=CN ?= ?mx1\.fs\.test' sh -c "echo QUIT | openssl s_client -connect 127.26.0.11:$PORT \
        -starttls smtp -sigalgs ECDSA+SHA256 2>&1"

# --- hostile input, over raw sockets ----------------------------------------
cat >"$D/raw.py" <<'EOF'
import socket, ssl, sys, time
host, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), 5)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        l = f.readline()
        if not l:
            return lines
        lines.append(l.decode("latin-1").rstrip("\r\n"))
        if l[3:4] != b"-":
            return lines
reply()
if case == "hostile":
    s.sendall(b"EHLO ok\r\n"); reply()
    for data in [b"NOOP\n", b"EHLO a\x00b\r\n", b"X" * 5000 + b"\r\n", b"\xff\xfe\x00\x01\r\n",
                 b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"]:
        s.sendall(data)
        for _ in range(data.count(b"\n")):
            print(reply()[-1])
    s.sendall(b"a\nb\r\n.\r\n")
    for _ in range(3):
        print(reply()[-1])
    s.sendall(b"QUIT\r\n"); print(reply()[-1])
elif case == "inject":
    s.sendall(b"EHLO ok\r\n"); reply()
    s.sendall(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n")
    print(reply()[-1])
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(s, server_hostname="mx1.fs.test")
    f = t.makefile("rb")
    t.sendall(b"RCPT TO:<x@y>\r\n"); print(reply()[-1])
    t.sendall(b"QUIT\r\n"); print(reply()[-1])
elif case == "injectresp":
    # the injected lines come in plaintext after the 220, before any TLS byte
    s.sendall(b"EHLO ok\r\n"); reply()
    s.sendall(b"STARTTLS\r\n")
    for _ in range(3):
        print(" | ".join(reply()))
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(s, server_hostname="inject.fs.test")
    f = t.makefile("rb")
    t.sendall(b"EHLO ok\r\n"); print(reply()[0])
    t.sendall(b"QUIT\r\n"); print(reply()[-1])
elif case == "flood":
    # pipeline NOOPs without ever reading a reply: the server must push back
    s.settimeout(3)
    sent = 0
    try:
        while sent < 100_000_000:
            s.sendall(b"NOOP\r\n" * 10000); sent += 60000
    except socket.timeout:
        pass
    print(sent)
elif case == "idle":
    time.sleep(2.5); print(reply()[-1])
elif case == "hold":
    # EHLO, then wait for a byte on stdin (the test's signal) before MAIL/RCPT
    s.sendall(b"EHLO ok\r\n"); reply()
    print("ready", flush=True)
    sys.stdin.readline()
    s.sendall(b"MAIL FROM:<a@b>\r\n"); reply()
    s.sendall(b"RCPT TO:<c@d>\r\n"); print(reply()[-1])
    s.sendall(b"QUIT\r\n"); print(reply()[-1])
EOF
out=$(python3 "$D/raw.py" 127.26.0.4 "$PORT" hostile 2>&1)
want='500 5.5.2 Error: bare <LF> received, use <CR><LF>
500 5.5.2 Error: invalid character in command
500 5.5.2 Error: line too long
500 5.5.2 Error: invalid character in command
250 2.1.0 Ok
550 5.1.1 no such user
554 5.5.1 Error: no valid recipients
500 5.5.2 Error: bare <LF> received, use <CR><LF>
500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized
221 2.0.0 Bye'
if [ "$out" = "$want" ]; then ok "hostile lines: bare LF, NUL, 5000 octets, binary, pipelined"; else
    not_ok "hostile lines: bare LF, NUL, 5000 octets, binary, pipelined" "$out"
fi
out=$(python3 "$D/raw.py" 127.26.0.1 "$PORT" inject 2>&1)
if [ "$out" = "220 2.0.0 Ready to start TLS
503 5.5.1 Error: need MAIL command
221 2.0.0 Bye" ]; then ok "command injected before STARTTLS completes is discarded"; else
    not_ok "command injected before STARTTLS completes is discarded" "$out"
fi
check_output "session JSON counts the discarded bytes" '"discarded_after_starttls":32' \
    last_record mx1.fs.test
out=$(python3 "$D/raw.py" 127.26.0.10 "$PORT" injectresp 2>&1)
if [ "$out" = "220 2.0.0 Ready to start TLS
250-mx1.injected.test | 250 PIPELINING
554 5.7.1 injected
250-inject.fs.test
221 2.0.0 Bye" ]; then ok "starttls_inject: the lines follow the 220 in plaintext, TLS works after them"; else
    not_ok "starttls_inject: the lines follow the 220 in plaintext, TLS works after them" "$out"
fi
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$FS_PID/status"; }
rss0=$(rss)
sent=$(python3 "$D/raw.py" 127.26.0.3 "$PORT" flood 2>&1)
rss1=$(rss)
if [ "$sent" -lt 100000000 ] && [ $((rss1 - rss0)) -lt 32768 ]; then
    ok "a client that never reads is paused (sent $sent octets, RSS $rss0 -> $rss1 kB)"
else
    not_ok "a client that never reads is paused" "sent $sent, RSS $rss0 -> $rss1 kB"
fi
check_output "idle client gets 421 4.4.2" '^421 4\.4\.2' python3 "$D/raw.py" 127.26.0.7 "$PORT" idle
check_output "a bad session did not affect others" '250 2.0.0 Ok: queued as' \
    swaks --server 127.26.0.1 --port "$PORT" --to b@mx1.fs.test

# --- SIGHUP: in-flight sessions keep their behaviour --------------------------
mkfifo "$D/hold.in"
python3 "$D/raw.py" 127.26.0.4 "$PORT" hold <"$D/hold.in" >"$D/hold.out" 2>&1 &
HOLD=$!
exec 3>"$D/hold.in"
for _ in $(seq 50); do grep -q ready "$D/hold.out" && break; sleep 0.1; done
write_conf '' ",
    {\"name\": \"added.fs.test\", \"address\": \"127.26.0.8\", \"port\": $PORT}"
sed -i '/no454.fs.test/d' "$D/conf.json"
kill -HUP "$FS_PID"
if wait_port 127.26.0.8; then ok "SIGHUP: added listener serves"; else
    not_ok "SIGHUP: added listener serves" "$(cat "$D/fakesmtp.log")"
fi
check_output "SIGHUP: new sessions get the new behaviour (RCPT accepted)" '250 2.0.0 Ok' \
    swaks --server 127.26.0.4 --port "$PORT" --to b@x.test
echo go >&3
exec 3>&-
wait "$HOLD"
check_output "SIGHUP: the session in flight kept the old behaviour (550)" '^550 5\.1\.1' \
    cat "$D/hold.out"
if python3 -c "import socket; socket.create_connection(('127.26.0.3', $PORT), 1)" 2>/dev/null; then
    not_ok "SIGHUP: removed listener no longer accepts"
else
    ok "SIGHUP: removed listener no longer accepts"
fi
check "fakesmtp still runs after SIGHUP" kill -0 "$FS_PID"

# --- SIGTERM: stop accepting, let sessions finish -----------------------------
mkfifo "$D/hold2.in"
python3 "$D/raw.py" 127.26.0.4 "$PORT" hold <"$D/hold2.in" >"$D/hold2.out" 2>&1 &
HOLD=$!
exec 3>"$D/hold2.in"
for _ in $(seq 50); do grep -q ready "$D/hold2.out" && break; sleep 0.1; done
kill -TERM "$FS_PID"
sleep 0.3
if python3 -c "import socket; socket.create_connection(('127.26.0.1', $PORT), 1)" 2>/dev/null; then
    not_ok "SIGTERM: no new connections"
else
    ok "SIGTERM: no new connections"
fi
echo go >&3
exec 3>&-
wait "$HOLD"
check_output "SIGTERM: the session in flight finished" '^221 2\.0\.0' cat "$D/hold2.out"
wait "$FS_PID"
rc=$?
FS_PID=
if [ "$rc" = 0 ]; then ok "SIGTERM: exit 0"; else not_ok "SIGTERM: exit 0" "exit $rc"; fi
check "pidfile removed at exit" test ! -e "$D/fakesmtp.pid"
check "every session record is valid JSON" jq -e . "$D/sessions.jsonl"
if grep -Eq 'Sanitizer|runtime error|LeakSanitizer' "$D/fakesmtp.log"; then
    not_ok "no sanitizer report from fakesmtp" "$(cat "$D/fakesmtp.log")"
else
    ok "no sanitizer report from fakesmtp"
fi

# --- durability: SIGKILL during a stream of deliveries ------------------------
cat >"$D/dur.json" <<EOF
{"session_log": "dur.jsonl", "listeners": [
  {"name": "dur.fs.test", "address": "127.26.0.9", "port": $PORT, "maildir": "mail/dur"}]}
EOF
cat >"$D/dur.py" <<'EOF'
import smtplib, sys, threading
host, port, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
lock = threading.Lock()
def worker(t):
    try:
        c = smtplib.SMTP(host, port, timeout=10)
        c.ehlo("dur")
        for i in range(t, n, threads):
            body = "X-Test-Id: %d\r\n\r\n%s\r\n" % (i, ("line %d of message %d\r\n" % (i, i)) * (i % 50 + 1))
            c.sendmail("a@src.test", ["b@dur.fs.test"], body)
            with lock:
                print(i, flush=True)
    except Exception:
        pass
ws = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
for w in ws: w.start()
for w in ws: w.join()
EOF
cat >"$D/dur-check.py" <<'EOF'
import os, sys
d, acked = sys.argv[1], [int(x) for x in open(sys.argv[2]).read().split()]
files = {}
for name in os.listdir(d):
    data = open(os.path.join(d, name), "rb").read()
    i = int(data.split(b"\r\n", 1)[0].split(b": ")[1])
    files[i] = data
bad = []
for i in acked:
    want = ("X-Test-Id: %d\r\n\r\n%s\r\n" % (i, ("line %d of message %d\r\n" % (i, i)) * (i % 50 + 1))).encode()
    if files.get(i) != want:
        bad.append(i)
print("acked %d, stored %d, missing or damaged %s" % (len(acked), len(files), bad))
sys.exit(1 if bad or not acked else 0)
EOF
"$FAKESMTP" -c "$D/dur.json" -f 2>>"$D/fakesmtp.log" &
FS_PID=$!
wait_port 127.26.0.9
python3 "$D/dur.py" 127.26.0.9 "$PORT" 400 4 >"$D/acked.txt" 2>&1 &
CLIENTS=$!
# SIGKILL once a pseudo-random number (50..249) of messages got their 250
kill_at=$((50 + $$ % 200))
for _ in $(seq 100); do
    [ "$(wc -l <"$D/acked.txt")" -ge "$kill_at" ] && break
    sleep 0.05
done
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null
FS_PID=
wait "$CLIENTS"
if out=$(python3 "$D/dur-check.py" "$D/mail/dur/new" "$D/acked.txt" 2>&1); then
    ok "SIGKILL mid-stream: every message that got 250 is on disk, whole ($out)"
else
    not_ok "SIGKILL mid-stream: every message that got 250 is on disk, whole" "$out"
fi
finish
