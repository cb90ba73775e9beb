/* danelab: placeholder main until the command table lands. */
#include "dl_log.h"

int main(int argc, char **argv)
{
    (void)argc;
    dl_log_init("danelab", 0);
    dl_err("%s: not built yet", argv[0]);
    return 2;
}
