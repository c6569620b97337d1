# nas's graph-session addon (graph_session.cc), built by `nas backend install` in a copy under
# .native/<package>/nas-graph/, against the TensorFlow C API headers and libraries the installer placed
# in .native/<package>/deps (gyp variable tf_deps, given by the installer).
{
  'targets': [{
    'target_name': 'nas_graph',
    'sources': ['graph_session.cc'],
    'include_dirs': ['<(tf_deps)/include'],
    'cflags_cc': ['-std=c++17', '-O2'],
    'libraries': ['-Wl,-rpath,\$$ORIGIN/../../../deps/lib', '-L<(tf_deps)/lib', '-ltensorflow', '-ltensorflow_framework'],
    'defines': ['NAPI_VERSION=8'],
  }],
}
