// Linux-only system calls that Swift's Glibc module does not export: epoll, eventfd, accept4,
// sched_getaffinity, per-thread scheduling for background work, and an atomic load from a shared mapping.
#ifndef PLANTBUDDY_CSYSTEMLINUX_SHIM_H
#define PLANTBUDDY_CSYSTEMLINUX_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// glibc declares accept4 only under _GNU_SOURCE, which the Glibc module is not built with.
int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
// Likewise sched_getaffinity; the mask is a plain bit array (cpu_set_t needs _GNU_SOURCE too).
int sched_getaffinity(int pid, size_t cpusetsize, void *mask);
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sched.h>

// Marks the calling thread as background work that should give way to threads answering requests:
// SCHED_BATCH (it never preempts another thread when it wakes) and the given nice value (Linux
// keeps both per thread). 0 on success.
static inline int make_current_thread_background(int niceness) {
    struct sched_param parameters = {0};
    if (sched_setscheduler(0, 3 /* SCHED_BATCH, which <sched.h> hides without _GNU_SOURCE */, &parameters) != 0) {
        return -1;
    }
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness);
}
#include <stdint.h>

// Reads a counter that another process updates through a shared file mapping.
static inline uint64_t load_shared_counter(const void *address) {
    return __atomic_load_n((const uint64_t *)address, __ATOMIC_ACQUIRE);
}
#endif
