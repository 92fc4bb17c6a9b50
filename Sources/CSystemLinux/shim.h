// Linux-only system calls that Swift's Glibc module does not export: epoll, eventfd, accept4,
// sched_getaffinity, and an atomic load from a shared mapping.
#ifndef PLANTBUDDY_CSYSTEMLINUX_SHIM_H
#define PLANTBUDDY_CSYSTEMLINUX_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

// glibc declares accept4 only under _GNU_SOURCE, which the Glibc module is not built with.
int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
// Likewise sched_getaffinity; the mask is a plain bit array (cpu_set_t needs _GNU_SOURCE too).
int sched_getaffinity(int pid, size_t cpusetsize, void *mask);
#include <stdint.h>

// Reads a counter that another process updates through a shared file mapping.
static inline uint64_t load_shared_counter(const void *address) {
    return __atomic_load_n((const uint64_t *)address, __ATOMIC_ACQUIRE);
}
#endif
