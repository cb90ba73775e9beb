/*
 * imp_import: `danelab import EVIDENCE.json`: a scenario (YAML, see
 * danelab-scenario(5)) that reproduces what `danelab capture` observed.
 */
#ifndef IMP_IMPORT_H
#define IMP_IMPORT_H

int imp_main(int argc, char **argv);

#endif
