// libzmq (Debian: libzmq3-dev), loaded when the Jupyter kernel starts rather than linked:
// every library linked into rslab lengthens each symbol lookup at start-up, and libzmq
// brings sodium, pgm, norm and Kerberos with it. The header gives the types and
// constants; `rslab_zmq_load` fills a table of the functions the kernel calls. Each
// entry's type is checked against the header's declaration at compile time.
#include <zmq.h>
#include <dlfcn.h>

typedef struct {
  void *(*ctx_new)(void);
  void *(*socket)(void *, int);
  int (*setsockopt)(void *, int, const void *, size_t);
  int (*bind)(void *, const char *);
  int (*close)(void *);
  int (*send)(void *, const void *, size_t, int);
  int (*poll)(zmq_pollitem_t *, int, long);
  int (*msg_init)(zmq_msg_t *);
  int (*msg_close)(zmq_msg_t *);
  int (*msg_recv)(zmq_msg_t *, void *, int);
  size_t (*msg_size)(const zmq_msg_t *);
  void *(*msg_data)(zmq_msg_t *);
  int (*msg_more)(const zmq_msg_t *);
  int (*proxy)(void *, void *, void *);
  int (*errno_)(void);
  const char *(*strerror)(int);
} rslab_zmq_api;

#define RSLAB_ZMQ_SYMBOL(field, function)                                                      \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&function), __typeof__(api->field)), \
                 #function " does not match the table");                                     \
  if (!(*(void **)&api->field = dlsym(library, #function))) return dlerror();

/// Opens libzmq.so.5 and fills `api`; returns NULL, or the loader's message.
static inline const char *rslab_zmq_load(rslab_zmq_api *api) {
  void *library = dlopen("libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!library) return dlerror();
  RSLAB_ZMQ_SYMBOL(ctx_new, zmq_ctx_new)
  RSLAB_ZMQ_SYMBOL(socket, zmq_socket)
  RSLAB_ZMQ_SYMBOL(setsockopt, zmq_setsockopt)
  RSLAB_ZMQ_SYMBOL(bind, zmq_bind)
  RSLAB_ZMQ_SYMBOL(close, zmq_close)
  RSLAB_ZMQ_SYMBOL(send, zmq_send)
  RSLAB_ZMQ_SYMBOL(poll, zmq_poll)
  RSLAB_ZMQ_SYMBOL(msg_init, zmq_msg_init)
  RSLAB_ZMQ_SYMBOL(msg_close, zmq_msg_close)
  RSLAB_ZMQ_SYMBOL(msg_recv, zmq_msg_recv)
  RSLAB_ZMQ_SYMBOL(msg_size, zmq_msg_size)
  RSLAB_ZMQ_SYMBOL(msg_data, zmq_msg_data)
  RSLAB_ZMQ_SYMBOL(msg_more, zmq_msg_more)
  RSLAB_ZMQ_SYMBOL(proxy, zmq_proxy)
  RSLAB_ZMQ_SYMBOL(errno_, zmq_errno)
  RSLAB_ZMQ_SYMBOL(strerror, zmq_strerror)
  return 0;
}
