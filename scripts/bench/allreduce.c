/* Time of one in-place MPI_Allreduce (sum) of N floats, the trainer's per-step reduction.
 *   mpicc -O2 scripts/bench/allreduce.c -o /tmp/allreduce
 *   mpirun -np 2 /tmp/allreduce 17002 66234 1471325
 * (floats per step for convnet(16), convnet(32) and WRN-28-2: docs/performance.md). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int a = 1; a < argc; a++) {
    int n = atoi(argv[a]);
    float *buf = calloc((size_t)n, sizeof(float));
    int reps = n > 1000000 ? 20 : 200;
    for (int i = 0; i < 5; i++) MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < reps; i++) MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double t = (MPI_Wtime() - t0) / reps;
    if (rank == 0) printf("%d floats (%.1f KB): %.3f ms per allreduce\n", n, n * 4 / 1000.0, t * 1000);
    free(buf);
  }
  MPI_Finalize();
  return 0;
}
