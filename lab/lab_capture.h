/*
 * lab_capture: the command `danelab capture` (danelab(1)): one domain
 * to a file or stdout (cap_one), or several into a directory, each
 * domain's evidence DIR/DOMAIN.json written by a worker process of
 * lab_pool, -j at a time. A capture spends most of its time waiting on
 * name servers and SMTP servers, so workers may outnumber the cores.
 */
#ifndef LAB_CAPTURE_H
#define LAB_CAPTURE_H

/* argv[0] is "capture". Exit status 0 when every domain was captured, 2
 * for a usage error or when any domain could not be captured (each said
 * on stderr; the others' files are written). */
int lab_capture_main(int argc, char **argv);

#endif
