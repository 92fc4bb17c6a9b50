// Linux-only system calls that Swift's Glibc module does not export: epoll, eventfd, accept4,
// sched_getaffinity, and a per-thread nice value.
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

// Sets the calling thread's nice value (Linux keeps one per thread), for background work that
// should give way to threads answering requests. 0 on success.
static inline int set_current_thread_niceness(int niceness) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness);
}
#endif
