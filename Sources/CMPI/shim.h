// Open MPI's C interface (Debian: libopenmpi-dev). Its handles (MPI_COMM_WORLD, MPI_FLOAT,
// MPI_SUM, ...) are macros over the addresses of global structs, which Swift cannot import;
// the inline functions below hand them to Swift as plain values.
#include <mpi.h>

static inline MPI_Comm rslab_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype rslab_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype rslab_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype rslab_mpi_char(void) { return MPI_CHAR; }
static inline MPI_Op rslab_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op rslab_mpi_max(void) { return MPI_MAX; }
static inline void *rslab_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline int rslab_mpi_success(void) { return MPI_SUCCESS; }
