#!/usr/bin/env bash
# A single-node Slurm cluster in a folder, for tests and for trying the Slurm executor on one
# machine: its own munge key and socket, slurm.conf, state and logs, all under DIR.
#
#   scripts/slurm-local-cluster.sh start DIR   # prints "export SLURM_CONF=DIR/slurm.conf"
#   scripts/slurm-local-cluster.sh stop DIR    # stops the daemons it started (PIDs in DIR/pids)
#
# Needs Debian's munge, slurmctld, slurmd and slurm-client (scripts/setup.sh installs them)
# and root (slurmd runs jobs as their submitting user). Ports are picked free at start, so it
# does not collide with a cluster already on the machine. The node is this host with its real
# CPU count and memory (slurmd -C). No accounting daemon: AccountingStorageType=none, so
# sacct has nothing to read and `rslab sweep status` relies on squeue and the result files.
# Works in containers: ProctrackType=proctrack/linuxproc, TaskPlugin=task/none (no cgroups).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  [[ -f "$dir/pids" ]] || return 0
  # Reverse start order: slurmd, slurmctld, munged; only the PIDs this script recorded.
  for pid in $(tac "$dir/pids"); do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $(cat "$dir/pids"); do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir/pids"
}

fail() {
  echo "slurm-local-cluster: $*" >&2
  for f in munged.log slurmctld.log slurmd.log; do
    [[ -f "$dir/$f" ]] && { echo "--- $dir/$f (last lines)" >&2; tail -15 "$dir/$f" >&2; }
  done
  stop
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
stop) stop; exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

# The daemons must not inherit the caller's descriptors (a caller waiting for them to close,
# as Foundation's Process does for its child, would wait for ever); 255 is bash's own.
for fd in $(ls /proc/$$/fd); do
  if (( fd > 2 && fd != 255 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
done

[[ $(id -u) -eq 0 ]] || fail "must run as root (slurmd starts jobs as their user)"
for b in munged mungekey slurmctld slurmd sbatch squeue sinfo; do
  command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || fail "$b not found: run scripts/setup.sh (packages munge slurmctld slurmd slurm-client)"
done
export PATH="$PATH:/usr/sbin"
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir/munge"
: >"$dir/pids"

# munge: a private key, socket, pid, seed and log.
mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" --log-file="$dir/munged.log" \
  </dev/null >>"$dir/munged.log" 2>&1 || fail "munged did not start"
for _ in $(seq 50); do [[ -s "$dir/munge/munged.pid" ]] && break; sleep 0.1; done
[[ -s "$dir/munge/munged.pid" ]] || fail "munged wrote no pid file"
cat "$dir/munge/munged.pid" >>"$dir/pids"

node=$(slurmd -C | head -1)
host=$(hostname -s)
ctld_port=$(free_port); d_port=$(free_port)
while [[ "$d_port" == "$ctld_port" ]]; do d_port=$(free_port); done
cat >"$dir/slurm.conf" <<CONF
ClusterName=rslabtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

# The daemons must not keep the caller's stdout/stderr open (a caller reading them to the end
# would wait for ever).
slurmctld -D -i -f "$SLURM_CONF" </dev/null >>"$dir/slurmctld.log" 2>&1 &
echo $! >>"$dir/pids"
sleep 0.5
kill -0 "$(tail -1 "$dir/pids")" 2>/dev/null || fail "slurmctld exited at start"
slurmd -D -f "$SLURM_CONF" -N "$host" </dev/null >>"$dir/slurmd.log" 2>&1 &
echo $! >>"$dir/pids"

# Ready when the node is idle.
for _ in $(seq 150); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [[ "$state" == idle* ]] && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  for pid in $(tail -2 "$dir/pids"); do kill -0 "$pid" 2>/dev/null || fail "a Slurm daemon exited during start (node state: ${state:-none})"; done
  sleep 0.2
done
fail "the node did not become idle within 30 s (state: ${state:-none})"
