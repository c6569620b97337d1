// nas's TensorFlow graph sessions: a small N-API addon over TensorFlow's C API, linked against the same
// libtensorflow as tfjs-node's binding (built by `nas backend install`, see ../addon.ts).
//
//   open(graphDef: Uint8Array, config: Uint8Array) -> id     TF_GraphImportGraphDef + TF_NewSession with
//                                                           a serialised ConfigProto of the caller's choosing
//   run(id, feeds: [name, Float32Array|Int32Array, shape][], fetches: string[], targets: string[])
//       -> { data: Float32Array|Int32Array, shape: number[] }[]            TF_SessionRun
//   close(id)                                               TF_CloseSession + TF_DeleteSession + graph
//   count() -> number of open sessions; version() -> TF_Version()
//
// Names are "node" or "node:k". Tensors are copied in and out; TensorFlow's errors become JS errors with
// TensorFlow's message (an allocation failure says "OOM when allocating ...").
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensorflow/c/c_api.h"

namespace {

struct Session {
  TF_Graph* graph;
  TF_Session* session;
};

std::map<int32_t, Session> sessions;
int32_t next_id = 1;

struct StatusDeleter {
  void operator()(TF_Status* s) const { TF_DeleteStatus(s); }
};
using StatusPtr = std::unique_ptr<TF_Status, StatusDeleter>;

struct TensorList {
  std::vector<TF_Tensor*> tensors;
  ~TensorList() {
    for (TF_Tensor* t : tensors) {
      if (t != nullptr) TF_DeleteTensor(t);
    }
  }
};

bool Throw(napi_env env, const std::string& message) {
  napi_throw_error(env, nullptr, message.c_str());
  return false;
}

bool Check(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) Throw(env, std::string("nas graph addon: ") + what);
  return false;
}

bool GetString(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (!Check(env, napi_get_value_string_utf8(env, value, nullptr, 0, &length), "expected a string")) return false;
  out->resize(length);
  std::vector<char> buffer(length + 1);
  if (!Check(env, napi_get_value_string_utf8(env, value, buffer.data(), length + 1, &length), "expected a string")) return false;
  out->assign(buffer.data(), length);
  return true;
}

bool GetBytes(napi_env env, napi_value value, const uint8_t** data, size_t* length) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!Check(env, napi_get_typedarray_info(env, value, &type, length, &raw, &buffer, &offset), "expected a Uint8Array")) return false;
  if (type != napi_uint8_array) return Throw(env, "nas graph addon: expected a Uint8Array");
  *data = static_cast<const uint8_t*>(raw);
  return true;
}

bool GetSession(napi_env env, napi_value value, Session** out) {
  int32_t id = 0;
  if (!Check(env, napi_get_value_int32(env, value, &id), "expected a session id")) return false;
  auto it = sessions.find(id);
  if (it == sessions.end()) return Throw(env, "nas graph addon: no open session " + std::to_string(id));
  *out = &it->second;
  return true;
}

bool TfOk(napi_env env, TF_Status* status, const std::string& what) {
  if (TF_GetCode(status) == TF_OK) return true;
  return Throw(env, what + ": " + TF_Message(status));
}

// "node" or "node:k" -> the operation's output k.
bool OutputByName(napi_env env, TF_Graph* graph, const std::string& name, TF_Output* out) {
  std::string op = name;
  int index = 0;
  size_t colon = name.rfind(':');
  if (colon != std::string::npos) {
    op = name.substr(0, colon);
    index = std::atoi(name.c_str() + colon + 1);
  }
  TF_Operation* oper = TF_GraphOperationByName(graph, op.c_str());
  if (oper == nullptr) return Throw(env, "nas graph addon: the graph has no node '" + op + "'");
  if (index < 0 || index >= TF_OperationNumOutputs(oper)) return Throw(env, "nas graph addon: node '" + op + "' has no output " + std::to_string(index));
  *out = TF_Output{oper, index};
  return true;
}

napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  if (!Check(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr), "bad arguments") || argc != 2) {
    Throw(env, "nas graph addon: open(graphDef, config)");
    return nullptr;
  }
  const uint8_t* graph_def = nullptr;
  const uint8_t* config = nullptr;
  size_t graph_len = 0, config_len = 0;
  if (!GetBytes(env, args[0], &graph_def, &graph_len) || !GetBytes(env, args[1], &config, &config_len)) return nullptr;
  StatusPtr status(TF_NewStatus());
  TF_Graph* graph = TF_NewGraph();
  TF_Buffer* buffer = TF_NewBufferFromString(graph_def, graph_len);
  TF_ImportGraphDefOptions* import_options = TF_NewImportGraphDefOptions();
  TF_GraphImportGraphDef(graph, buffer, import_options, status.get());
  TF_DeleteImportGraphDefOptions(import_options);
  TF_DeleteBuffer(buffer);
  if (!TfOk(env, status.get(), "TensorFlow could not import the graph")) {
    TF_DeleteGraph(graph);
    return nullptr;
  }
  TF_SessionOptions* options = TF_NewSessionOptions();
  TF_SetConfig(options, config, config_len, status.get());
  TF_Session* session = nullptr;
  if (TF_GetCode(status.get()) == TF_OK) session = TF_NewSession(graph, options, status.get());
  TF_DeleteSessionOptions(options);
  if (!TfOk(env, status.get(), "TensorFlow could not create the session")) {
    TF_DeleteGraph(graph);
    return nullptr;
  }
  int32_t id = next_id++;
  sessions[id] = Session{graph, session};
  napi_value result;
  napi_create_int32(env, id, &result);
  return result;
}

// One feed: [name, Float32Array | Int32Array, shape].
bool ReadFeed(napi_env env, Session* s, napi_value feed, TF_Output* output, TF_Tensor** tensor) {
  napi_value name_value, data_value, shape_value;
  if (!Check(env, napi_get_element(env, feed, 0, &name_value), "feed[0]") ||
      !Check(env, napi_get_element(env, feed, 1, &data_value), "feed[1]") ||
      !Check(env, napi_get_element(env, feed, 2, &shape_value), "feed[2]")) return false;
  std::string name;
  if (!GetString(env, name_value, &name) || !OutputByName(env, s->graph, name, output)) return false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (!Check(env, napi_get_typedarray_info(env, data_value, &type, &length, &data, &buffer, &offset), "feed data must be a typed array")) return false;
  if (type != napi_float32_array && type != napi_int32_array) return Throw(env, "nas graph addon: feed '" + name + "' must be a Float32Array or an Int32Array");
  uint32_t rank = 0;
  if (!Check(env, napi_get_array_length(env, shape_value, &rank), "feed shape")) return false;
  std::vector<int64_t> dims(rank);
  size_t count = 1;
  for (uint32_t i = 0; i < rank; i++) {
    napi_value d;
    int64_t v = 0;
    if (!Check(env, napi_get_element(env, shape_value, i, &d), "feed shape") || !Check(env, napi_get_value_int64(env, d, &v), "feed shape")) return false;
    dims[i] = v;
    count *= static_cast<size_t>(v);
  }
  if (count != length) return Throw(env, "nas graph addon: feed '" + name + "' has " + std::to_string(length) + " values for its shape");
  TF_DataType dtype = type == napi_float32_array ? TF_FLOAT : TF_INT32;
  *tensor = TF_AllocateTensor(dtype, dims.data(), static_cast<int>(rank), length * 4);
  if (*tensor == nullptr) return Throw(env, "nas graph addon: OOM when allocating the feed '" + name + "'");
  if (length > 0) std::memcpy(TF_TensorData(*tensor), data, length * 4);
  return true;
}

napi_value ToJs(napi_env env, TF_Tensor* t) {
  TF_DataType dtype = TF_TensorType(t);
  if (dtype != TF_FLOAT && dtype != TF_INT32) {
    Throw(env, "nas graph addon: fetched a tensor that is neither float32 nor int32");
    return nullptr;
  }
  size_t bytes = TF_TensorByteSize(t);
  void* out = nullptr;
  napi_value buffer, array, shape, result;
  if (!Check(env, napi_create_arraybuffer(env, bytes, &out, &buffer), "allocating a result")) return nullptr;
  if (bytes > 0) std::memcpy(out, TF_TensorData(t), bytes);
  napi_create_typedarray(env, dtype == TF_FLOAT ? napi_float32_array : napi_int32_array, bytes / 4, buffer, 0, &array);
  int rank = TF_NumDims(t);
  napi_create_array_with_length(env, rank, &shape);
  for (int i = 0; i < rank; i++) {
    napi_value d;
    napi_create_int64(env, TF_Dim(t, i), &d);
    napi_set_element(env, shape, i, d);
  }
  napi_create_object(env, &result);
  napi_set_named_property(env, result, "data", array);
  napi_set_named_property(env, result, "shape", shape);
  return result;
}

bool StringList(napi_env env, napi_value list, std::vector<std::string>* out) {
  uint32_t n = 0;
  if (!Check(env, napi_get_array_length(env, list, &n), "expected an array of names")) return false;
  out->resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    if (!Check(env, napi_get_element(env, list, i, &v), "names") || !GetString(env, v, &(*out)[i])) return false;
  }
  return true;
}

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  if (!Check(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr), "bad arguments") || argc != 4) {
    Throw(env, "nas graph addon: run(id, feeds, fetches, targets)");
    return nullptr;
  }
  Session* s = nullptr;
  if (!GetSession(env, args[0], &s)) return nullptr;
  uint32_t n_feeds = 0;
  if (!Check(env, napi_get_array_length(env, args[1], &n_feeds), "feeds must be an array")) return nullptr;
  std::vector<TF_Output> inputs(n_feeds);
  TensorList input_values;
  input_values.tensors.assign(n_feeds, nullptr);
  for (uint32_t i = 0; i < n_feeds; i++) {
    napi_value feed;
    if (!Check(env, napi_get_element(env, args[1], i, &feed), "feeds") || !ReadFeed(env, s, feed, &inputs[i], &input_values.tensors[i])) return nullptr;
  }
  std::vector<std::string> fetch_names, target_names;
  if (!StringList(env, args[2], &fetch_names) || !StringList(env, args[3], &target_names)) return nullptr;
  std::vector<TF_Output> outputs(fetch_names.size());
  for (size_t i = 0; i < fetch_names.size(); i++) {
    if (!OutputByName(env, s->graph, fetch_names[i], &outputs[i])) return nullptr;
  }
  std::vector<TF_Operation*> targets(target_names.size());
  for (size_t i = 0; i < target_names.size(); i++) {
    targets[i] = TF_GraphOperationByName(s->graph, target_names[i].c_str());
    if (targets[i] == nullptr) {
      Throw(env, "nas graph addon: the graph has no node '" + target_names[i] + "'");
      return nullptr;
    }
  }
  TensorList output_values;
  output_values.tensors.assign(outputs.size(), nullptr);
  StatusPtr status(TF_NewStatus());
  TF_SessionRun(s->session, nullptr, inputs.data(), input_values.tensors.data(), static_cast<int>(n_feeds), outputs.data(),
                output_values.tensors.data(), static_cast<int>(outputs.size()), targets.data(), static_cast<int>(targets.size()), nullptr,
                status.get());
  if (!TfOk(env, status.get(), "TensorFlow could not run the graph")) return nullptr;
  napi_value result;
  napi_create_array_with_length(env, outputs.size(), &result);
  for (size_t i = 0; i < outputs.size(); i++) {
    napi_value v = ToJs(env, output_values.tensors[i]);
    if (v == nullptr) return nullptr;
    napi_set_element(env, result, static_cast<uint32_t>(i), v);
  }
  return result;
}

napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  if (!Check(env, napi_get_cb_info(env, info, &argc, args, nullptr, nullptr), "bad arguments") || argc != 1) return nullptr;
  Session* s = nullptr;
  if (!GetSession(env, args[0], &s)) return nullptr;
  int32_t id = 0;
  napi_get_value_int32(env, args[0], &id);
  StatusPtr status(TF_NewStatus());
  TF_CloseSession(s->session, status.get());
  TF_DeleteSession(s->session, status.get());
  TF_DeleteGraph(s->graph);
  sessions.erase(id);
  TfOk(env, status.get(), "TensorFlow could not delete the session");
  return nullptr;
}

napi_value Count(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_int32(env, static_cast<int32_t>(sessions.size()), &result);
  return result;
}

napi_value Version(napi_env env, napi_callback_info) {
  napi_value result;
  napi_create_string_utf8(env, TF_Version(), NAPI_AUTO_LENGTH, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"count", nullptr, Count, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"version", nullptr, Version, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
