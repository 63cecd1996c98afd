// Open MPI's C interface (Debian: libopenmpi-dev), loaded when a data-parallel run starts
// rather than linked: every library linked into rslab lengthens each symbol lookup at
// start-up, and libmpi brings Open MPI's runtime, hwloc, libevent and udev with it. The
// header gives the types; `rslab_mpi_load` fills a table of the functions and handles
// rslab uses. The handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over the
// addresses of Open MPI's global structs, so they are looked up by those structs' names.
// Each function's type is checked against the header's declaration at compile time.
#include <openmpi/mpi.h>
#include "../CDynamicLoad/load_function.h"

typedef struct {
  int (*Init_thread)(int *, char ***, int, int *);
  int (*Comm_rank)(MPI_Comm, int *);
  int (*Comm_size)(MPI_Comm, int *);
  int (*Allreduce)(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm);
  int (*Allgather)(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm);
  int (*Barrier)(MPI_Comm);
  int (*Abort)(MPI_Comm, int);
  int (*Finalize)(void);
  MPI_Comm comm_world;
  MPI_Datatype float_type;
  MPI_Datatype double_type;
  MPI_Op sum;
} rslab_mpi_api;

#define RSLAB_MPI_HANDLE(field, type, global) \
  if (!(api->field = (type)dlsym(library, #global))) return dlerror();

/// Opens libmpi.so.40 (globally: Open MPI's components, loaded by MPI_Init, resolve their
/// symbols against it) and fills `api`; returns NULL, or the loader's message.
static inline const char *rslab_mpi_load(rslab_mpi_api *api) {
  void *library = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
  if (!library) return dlerror();
  RSLAB_LOAD_FUNCTION(api, Init_thread, library, MPI_Init_thread)
  RSLAB_LOAD_FUNCTION(api, Comm_rank, library, MPI_Comm_rank)
  RSLAB_LOAD_FUNCTION(api, Comm_size, library, MPI_Comm_size)
  RSLAB_LOAD_FUNCTION(api, Allreduce, library, MPI_Allreduce)
  RSLAB_LOAD_FUNCTION(api, Allgather, library, MPI_Allgather)
  RSLAB_LOAD_FUNCTION(api, Barrier, library, MPI_Barrier)
  RSLAB_LOAD_FUNCTION(api, Abort, library, MPI_Abort)
  RSLAB_LOAD_FUNCTION(api, Finalize, library, MPI_Finalize)
  RSLAB_MPI_HANDLE(comm_world, MPI_Comm, ompi_mpi_comm_world)
  RSLAB_MPI_HANDLE(float_type, MPI_Datatype, ompi_mpi_float)
  RSLAB_MPI_HANDLE(double_type, MPI_Datatype, ompi_mpi_double)
  RSLAB_MPI_HANDLE(sum, MPI_Op, ompi_mpi_op_sum)
  return 0;
}

static inline void *rslab_mpi_in_place(void) { return MPI_IN_PLACE; }
