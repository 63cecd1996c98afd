// OpenBLAS's CBLAS interface (Debian: libopenblas-dev installs cblas.h via alternatives).
#include <cblas.h>
// openblas_set_num_threads / openblas_get_num_threads are OpenBLAS extensions.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
