/*
 * glibc malloc settings for the server, which Node offers no way to make from JavaScript.
 *
 * glibc raises its mmap threshold each time a large mmapped block is freed (up to 32 MB), after
 * which the server's transient megabyte buffers (request bodies, decompressed chunks, compressed
 * outputs) come from per-thread arenas that glibc keeps at their high-water mark: measured on the
 * bench, 55 MB of a 196 MB anonymous footprint. Fixing the threshold (which also turns off the
 * dynamic adjustment) and capping the number of arenas keeps such buffers in mmap, returned to
 * the system when freed. trim() gives back what free lists still hold.
 *
 * Elsewhere (musl, macOS) every function is a no-op that reports false.
 */
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static int32_t arg_int(napi_env env, napi_callback_info info, size_t index, int32_t fallback) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc <= index) return fallback;
  int32_t value = fallback;
  if (napi_get_value_int32(env, argv[index], &value) != napi_ok) return fallback;
  return value;
}

static napi_value boolean(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value != 0, &result);
  return result;
}

/* configure(mmapThresholdBytes, arenaMax): true when glibc took both settings */
static napi_value configure(napi_env env, napi_callback_info info) {
  int32_t threshold = arg_int(env, info, 0, 128 * 1024);
  int32_t arenas = arg_int(env, info, 1, 2);
#if defined(__GLIBC__)
  int ok = mallopt(M_MMAP_THRESHOLD, threshold);
  ok = mallopt(M_ARENA_MAX, arenas) && ok;
  return boolean(env, ok);
#else
  (void)threshold;
  (void)arenas;
  return boolean(env, 0);
#endif
}

/* trim(): true when memory was given back to the system */
static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__GLIBC__)
  return boolean(env, malloc_trim(0));
#else
  return boolean(env, 0);
#endif
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"configure", NULL, configure, NULL, NULL, NULL, napi_default, NULL},
    {"trim", NULL, trim, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
