// Raw receive sockets (IPv4 and IPv6) that report what raw-socket's recvfrom() loses:
// the kernel's receive time of each packet (SO_TIMESTAMPNS, so RTTs do not include the
// event loop's delays) and, for IPv6, the packet's hop limit (IPV6_RECVHOPLIMIT; an IPv6
// raw socket delivers no IPv6 header). One function opens a socket and calls back per
// packet; one closes it. Also: setns, and TUN devices for the lab's router emulator.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define BUF_SIZE 65536

typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int family;
  int closing;
  int tun;  // a TUN device: read() whole packets, no source address or timestamp
} receiver_t;

static void throw_errno(napi_env env, const char* what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_throw_error(env, errno == EPERM || errno == EACCES ? "EPERM" : NULL, msg);
}

static void deliver(receiver_t* r, const unsigned char* data, ssize_t len, const char* src, int hop_limit, uint64_t at) {
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[4], buf, result;
  void* copy;
  napi_get_reference_value(env, r->callback, &cb);
  napi_get_global(env, &recv);  // napi_make_callback needs an object receiver
  napi_create_buffer_copy(env, (size_t)len, data, &copy, &buf);
  argv[0] = buf;
  napi_create_string_utf8(env, src, NAPI_AUTO_LENGTH, &argv[1]);
  if (hop_limit >= 0) napi_create_int32(env, hop_limit, &argv[2]);
  else napi_get_null(env, &argv[2]);
  // Receive time on process.hrtime.bigint()'s clock (libuv's monotonic clock), nanoseconds.
  napi_create_bigint_uint64(env, at, &argv[3]);
  napi_make_callback(env, r->context, recv, cb, 4, argv, &result);
  napi_close_handle_scope(env, scope);
}

/** The kernel's receive time (realtime) moved onto the monotonic clock of uv_hrtime(). */
static uint64_t monotonic_at(const struct timespec* stamp) {
  struct timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  uint64_t now = uv_hrtime();
  if (stamp == NULL) return now;
  int64_t age = ((int64_t)real.tv_sec - (int64_t)stamp->tv_sec) * 1000000000LL + ((int64_t)real.tv_nsec - (int64_t)stamp->tv_nsec);
  // A clock step between the two readings (or no stamp) leaves the time of reading.
  if (age < 0 || (uint64_t)age > now || age > 60LL * 1000000000LL) return now;
  return now - (uint64_t)age;
}

static void on_readable(uv_poll_t* handle, int status, int events) {
  (void)events;
  receiver_t* r = (receiver_t*)handle->data;
  if (status < 0 || r->closing) return;
  static unsigned char data[BUF_SIZE];
  unsigned char control[256];
  // Drain what is queued, but yield to the event loop after a bounded batch.
  for (int n = 0; n < 256 && !r->closing; n++) {
    if (r->tun) {
      ssize_t len = read(r->fd, data, sizeof data);
      if (len <= 0) return;  // EAGAIN: drained
      deliver(r, data, len, "", -1, uv_hrtime());
      continue;
    }
    struct sockaddr_storage from;
    struct iovec iov = {data, sizeof data};
    struct msghdr msg = {0};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t len = recvmsg(r->fd, &msg, MSG_DONTWAIT);
    if (len < 0) return;  // EAGAIN: drained (other errors: the next event retries)
    int hop_limit = -1;
    struct timespec stamp;
    int stamped = 0;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
        stamped = 1;
      }
    }
    char src[INET6_ADDRSTRLEN] = "";
    if (r->family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6*)&from)->sin6_addr, src, sizeof src);
    else inet_ntop(AF_INET, &((struct sockaddr_in*)&from)->sin_addr, src, sizeof src);
    deliver(r, data, len, src, hop_limit, monotonic_at(stamped ? &stamp : NULL));
  }
}

static void on_closed(uv_handle_t* handle) {
  receiver_t* r = (receiver_t*)handle->data;
  close(r->fd);
  free(r);
}

static void finalize(napi_env env, void* data, void* hint) {
  (void)hint;
  receiver_t* r = (receiver_t*)data;
  if (!r->closing) {
    r->closing = 1;
    uv_poll_stop(&r->poll);
    napi_delete_reference(env, r->callback);
    napi_async_destroy(env, r->context);
    uv_close((uv_handle_t*)&r->poll, on_closed);
  }
}

static napi_value open_socket(napi_env env, int family, napi_value protocol_v, napi_value device_v, napi_value callback_v) {
  int32_t protocol;
  if (napi_get_value_int32(env, protocol_v, &protocol) != napi_ok) {
    napi_throw_type_error(env, NULL, "protocol must be a number");
    return NULL;
  }
  int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    throw_errno(env, family == AF_INET6 ? "socket(AF_INET6, SOCK_RAW)" : "socket(AF_INET, SOCK_RAW)");
    return NULL;
  }
  int on = 1;
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  int rcvbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  napi_valuetype t;
  napi_typeof(env, device_v, &t);
  if (t == napi_string) {
    char dev[64];
    size_t n;
    napi_get_value_string_utf8(env, device_v, dev, sizeof dev, &n);
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)n) < 0) {
      throw_errno(env, "SO_BINDTODEVICE");
      close(fd);
      return NULL;
    }
  }
  receiver_t* r = calloc(1, sizeof *r);
  r->fd = fd;
  r->env = env;
  r->family = family;
  napi_create_reference(env, callback_v, 1, &r->callback);
  napi_value name;
  napi_create_string_utf8(env, "hopscope:recv", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->context);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init_socket(loop, &r->poll, fd);
  r->poll.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  napi_value handle;
  napi_create_external(env, r, NULL, NULL, &handle);
  return handle;
}

// open(family: 4 | 6, protocol, device: string | null, callback(buf, src, hopLimit, atNs)) -> handle
static napi_value open_any(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t family;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6)) {
    napi_throw_type_error(env, NULL, "open(family 4|6, protocol, device, callback)");
    return NULL;
  }
  return open_socket(env, family == 6 ? AF_INET6 : AF_INET, argv[1], argv[2], argv[3]);
}

// open6(protocol, device, callback): the first interface, kept for compatibility.
static napi_value open6(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "open6(protocol, device, callback)");
    return NULL;
  }
  return open_socket(env, AF_INET6, argv[0], argv[1], argv[2]);
}

static napi_value close6(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void* data;
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "close6(handle)");
    return NULL;
  }
  finalize(env, data, NULL);
  return NULL;
}

// setns(path): moves the calling (main) thread into the network namespace at path, e.g.
// /run/netns/NAME or /proc/1/ns/net. Sockets keep the namespace they were created in, so
// whatever the process opens afterwards (raw sockets, TCP connections, child processes)
// lives in the new namespace, while sockets opened before stay where they were.
static napi_value set_netns(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4096];
  size_t len;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 || len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "setns(path)");
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char msg[4200];
    snprintf(msg, sizeof msg, "cannot open %s: %s", path, strerror(errno));
    napi_throw_error(env, errno == ENOENT ? "ENOENT" : "EACCES", msg);
    return NULL;
  }
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) {
    char msg[4200];
    snprintf(msg, sizeof msg, "setns(%s): %s", path, strerror(err));
    napi_throw_error(env, err == EPERM ? "EPERM" : "EINVAL", msg);
    return NULL;
  }
  return NULL;
}

// tunOpen(name) -> fd: opens /dev/net/tun and attaches it to the TUN interface `name` of
// the calling thread's network namespace (IFF_TUN | IFF_NO_PI: each read() is one whole IP
// packet, each write() injects one), creating it if it does not exist (then it lives as
// long as the fd, unless it was made persistent, e.g. by `ip tuntap add`). The fd is
// non-blocking and close-on-exec: read it with tunWatch, write it with fs.writeSync.
static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[IFNAMSIZ + 1];
  size_t len;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len == 0 || len >= IFNAMSIZ) {
    napi_throw_type_error(env, NULL, "tunOpen(name): an interface name of 1-15 characters");
    return NULL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "open /dev/net/tun");
    return NULL;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    char what[64];
    snprintf(what, sizeof what, "TUNSETIFF %s", name);
    throw_errno(env, what);
    close(fd);
    return NULL;
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

// tunWatch(fd, callback(packet, "", null, atNs)) -> handle: calls back once per packet read
// from a TUN fd (on the event loop, at most 256 packets per wakeup); close6(handle) stops
// watching and closes the fd.
static napi_value tun_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "tunWatch(fd, callback)");
    return NULL;
  }
  receiver_t* r = calloc(1, sizeof *r);
  r->fd = fd;
  r->env = env;
  r->tun = 1;
  napi_create_reference(env, argv[1], 1, &r->callback);
  napi_value name;
  napi_create_string_utf8(env, "hopscope:tun", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &r->context);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &r->poll, fd);
  r->poll.data = r;
  uv_poll_start(&r->poll, UV_READABLE, on_readable);
  napi_value handle;
  napi_create_external(env, r, NULL, NULL, &handle);
  return handle;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, open_any, NULL, NULL, NULL, napi_default, NULL},
    {"open6", NULL, open6, NULL, NULL, NULL, napi_default, NULL},
    {"close6", NULL, close6, NULL, NULL, NULL, napi_default, NULL},
    {"setns", NULL, set_netns, NULL, NULL, NULL, napi_default, NULL},
    {"tunOpen", NULL, tun_open, NULL, NULL, NULL, napi_default, NULL},
    {"tunWatch", NULL, tun_watch, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 6, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
