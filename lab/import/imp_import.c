#include "imp_import.h"

int imp_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 2;
}
