/*
 * Fuzz harness: fakedns's input side. The bytes a client sends ->
 * fdns_pkt_parse; a query that parses goes through the rules
 * (fdns_rules_decide, over UDP and TCP) and gets each reply fakedns makes
 * up (fdns_pkt_reply). Checks: the question ends inside the message, the
 * name is NUL-terminated text, a reply is the question's length.
 */
#include "fdns_pkt.h"
#include "fdns_rule.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char rules_text[] = "127.54.0.1 test. TLSA servfail\n"
                                     "127.54.0.1 . ANY drop 2\n"
                                     "127.54.0.1 a.test. A truncate\n";
    uint8_t out[FDNS_PKT_MAX];
    struct fdns_query q;
    struct fdns_rules rs;
    struct dl_error err;
    if (fdns_pkt_parse(data, size, &q) != FDNS_PKT_OK)
        return 0;
    if (q.question_end > size || q.question_end < FDNS_PKT_HEADER ||
        memchr(q.qname, '\0', sizeof(q.qname)) == NULL)
        __builtin_trap();
    if (fdns_rules_parse(rules_text, "fuzz", &rs, &err) != 0)
        __builtin_trap();
    for (int tcp = 0; tcp < 2; tcp++) {
        enum fdns_action a = fdns_rules_decide(&rs, "127.54.0.1", &q, tcp);
        size_t n =
            fdns_pkt_reply(data, &q, fdns_action_rcode(a), a == FDNS_TRUNCATE, out, sizeof(out));
        if (n != q.question_end || (out[2] & 0x80) == 0)
            __builtin_trap();
    }
    fdns_rules_free(&rs);
    return 0;
}
