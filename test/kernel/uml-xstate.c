/*
 * Preloaded into Debian 12's linux.uml (6.1) so it runs on hosts whose XSAVE
 * area is larger than the 832 bytes that kernel moves through ptrace.
 *
 * Why: UML saves and restores each guest thread's FPU state with
 * PTRACE_GETREGSET / PTRACE_SETREGSET (NT_X86_XSTATE) and a buffer the size
 * of x87 + SSE + AVX. The host kernel accepts a SETREGSET only with its whole
 * user XSAVE size (AVX-512 and AMX make that 2.7 or 11 KB), so on such a CPU
 * every SETREGSET fails with EFAULT and UML panics before init runs.
 *
 * What: ptrace() is wrapped. A GETREGSET of the xstate with a short buffer
 * reads the host's whole area into a shadow kept per UML buffer, and hands
 * UML its prefix. A SETREGSET with a short buffer writes the shadow of that
 * buffer with UML's prefix laid over it, so the parts UML cannot hold
 * (AVX-512, and whatever else the host has) come back with the thread that
 * owned them. A buffer never read through (a copy UML made) is laid over
 * the traced process's present state instead. Everything else, and every
 * call with a buffer of the host's size, goes straight to libc.
 *
 * Seen with it on a Xeon with AVX-512 and AMX: the whole test suite passes
 * in the guest; a guest program keeps zmm31 and k5 across 1000 syscalls and
 * across preemptions by its other threads. The same probes also passed with
 * the tail overwritten by garbage, so they do not show what the host does
 * with the tail; keeping it per buffer is the choice that cannot mix one
 * thread's registers into another's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static size_t host_size; /* 0 until first asked */

/* Shadows keyed by UML's buffer address: one per guest thread, never freed
 * (UML keeps a thread's buffer where it is for the thread's life, and reuses
 * it), so an open-addressed table that only grows is enough. */
struct shadow {
  void *key;
  unsigned char *area;
};
static struct shadow *table;
static size_t table_cap, table_len;

static size_t slot_of(void *key, size_t cap) {
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ULL;
  return (size_t)(h >> 7) & (cap - 1);
}

static struct shadow *find(void *key, int create) {
  if (table_cap == 0) {
    if (!create) return NULL;
    table_cap = 1024;
    table = calloc(table_cap, sizeof *table);
    if (table == NULL) abort();
  }
  for (size_t i = slot_of(key, table_cap);; i = (i + 1) & (table_cap - 1)) {
    if (table[i].key == key) return &table[i];
    if (table[i].key != NULL) continue;
    if (!create) return NULL;
    if ((table_len + 1) * 2 > table_cap) {
      struct shadow *old = table;
      size_t old_cap = table_cap;
      table_cap *= 2;
      table = calloc(table_cap, sizeof *table);
      if (table == NULL) abort();
      for (size_t j = 0; j < old_cap; j++)
        if (old[j].key != NULL) {
          size_t k = slot_of(old[j].key, table_cap);
          while (table[k].key != NULL) k = (k + 1) & (table_cap - 1);
          table[k] = old[j];
        }
      free(old);
      return find(key, 1);
    }
    table[i].key = key;
    table[i].area = NULL;
    table_len++;
    return &table[i];
  }
}

/* The host's whole xstate size, asked of the kernel itself: it shortens
 * iov_len to what it wrote. */
static size_t whole_size(pid_t pid) {
  if (host_size != 0) return host_size;
  size_t cap = 1 << 16;
  void *probe = malloc(cap);
  if (probe == NULL) abort();
  struct iovec iov = {probe, cap};
  if (real_ptrace(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &iov) == 0)
    host_size = iov.iov_len;
  free(probe);
  return host_size;
}

static unsigned char *area_for(struct shadow *s) {
  if (s->area == NULL) {
    s->area = aligned_alloc(64, (host_size + 63) & ~(size_t)63);
    if (s->area == NULL) abort();
  }
  return s->area;
}

static long get_xstate(pid_t pid, struct iovec *uml) {
  struct shadow *s = find(uml->iov_base, 1);
  unsigned char *area = area_for(s);
  struct iovec whole = {area, host_size};
  long r = real_ptrace(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &whole);
  if (r != 0) return r;
  memcpy(uml->iov_base, area, uml->iov_len);
  return 0;
}

static long set_xstate(pid_t pid, struct iovec *uml) {
  struct shadow *s = find(uml->iov_base, 1);
  int known = s->area != NULL;
  unsigned char *area = area_for(s);
  if (!known) {
    struct iovec now = {area, host_size};
    long r = real_ptrace(PTRACE_GETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &now);
    if (r != 0) return r;
  }
  memcpy(area, uml->iov_base, uml->iov_len);
  struct iovec whole = {area, host_size};
  return real_ptrace(PTRACE_SETREGSET, pid, (void *)(uintptr_t)NT_X86_XSTATE, &whole);
}

long ptrace(enum __ptrace_request request, ...) {
  va_list ap;
  va_start(ap, request);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);
  if (real_ptrace == NULL) real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

  if ((request == PTRACE_GETREGSET || request == PTRACE_SETREGSET) &&
      (uintptr_t)addr == NT_X86_XSTATE && data != NULL) {
    struct iovec *uml = data;
    size_t whole = whole_size(pid);
    if (whole != 0 && uml->iov_len < whole) {
      int saved = errno;
      long r = request == PTRACE_GETREGSET ? get_xstate(pid, uml) : set_xstate(pid, uml);
      if (r == 0) errno = saved;
      return r;
    }
  }
  return real_ptrace(request, pid, addr, data);
}
