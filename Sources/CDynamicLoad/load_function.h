// Shared by the shims of the libraries rslab loads on demand (CMPI, CZMQ) rather than links.
#pragma once
#include <dlfcn.h>

/// Sets `table->field` to `function` from the dlopen'ed `library`, or returns dlerror() from
/// the enclosing loader. The field's type must be the header's declaration of `function`
/// (checked at compile time), so a call through the table is a call of the real signature.
#define RSLAB_LOAD_FUNCTION(table, field, library, function)                                         \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&function), __typeof__((table)->field)), \
                 #function " does not match the table");                                            \
  if (!(*(void **)&(table)->field = dlsym(library, #function))) return dlerror();
