"""The Keras side of bench/keras-parity.ts.

Rebuilds a reference child in Keras from the tfjs model.json its directory holds (the topology is
Keras's own layer config), loads every weight from weights.bin by name, and measures on one batch of
seeded noise images: a training step compiled with tf.function (forward pass, loss, tape gradients,
SGD with Nesterov momentum) and inference compiled with tf.function. Prints one JSON line: images/s of
training and inference (per second of wall-clock time, and per CPU-second of the process), the peak resident memory of the training steps above the resident memory
before the first step, the process's peak, the parameter count and the load average.

    python keras_side.py --model-dir DIR [--batch 64] [--steps 10] [--warmup 2] [--infer-steps 20] [--lr 0.05]
"""
import argparse
import json
import os
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def reset_peak():
    # Linux: writing 5 resets VmHWM (the peak resident set) to the current resident set.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def load_model(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        spec = json.load(f)
    config = {"class_name": "Functional", "config": spec["modelTopology"]["config"]}
    model = tf.keras.models.model_from_json(json.dumps(config))
    data = np.fromfile(os.path.join(model_dir, "weights.bin"), dtype="<f4")
    by_name, offset = {}, 0
    for w in spec["weightsManifest"][0]["weights"]:
        n = int(np.prod(w["shape"]))
        by_name[w["name"]] = data[offset:offset + n].reshape(w["shape"])
        offset += n
    for v in model.weights:
        v.assign(by_name[v.name.split(":")[0]])
    if len(model.weights) != len(by_name):
        raise SystemExit(f"{model_dir}: Keras built {len(model.weights)} weights, the manifest has {len(by_name)}")
    return model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model-dir", required=True)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--infer-steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=0.05)
    a = p.parse_args()
    model = load_model(a.model_dir)
    h, w, c = model.input_shape[1:]
    rng = np.random.default_rng(7)
    x = tf.constant(rng.standard_normal((a.batch, h, w, c), dtype=np.float32))
    y = tf.constant(np.arange(a.batch, dtype=np.int32) % model.output_shape[-1])
    opt = tf.keras.optimizers.SGD(a.lr, momentum=0.9, nesterov=True)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            loss = loss_fn(y, probs)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    @tf.function
    def predict(x):
        return model(x, training=False)

    # Both functions traced (graphs built) before the baseline, as the nas side builds its graph first.
    opt.build(model.trainable_variables)
    train_step.get_concrete_function(x, y)
    predict.get_concrete_function(x)
    baseline = status_kib("VmRSS")
    reset_peak()
    for _ in range(a.warmup):
        train_step(x, y).numpy()
    start, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(a.steps):
        loss = train_step(x, y)
    loss = float(loss.numpy())
    train_s, train_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    step_peak = status_kib("VmHWM") - baseline
    predict(x).numpy()
    start, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(a.infer_steps):
        predict(x).numpy()
    infer_s, infer_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    print(json.dumps({
        "side": "keras", "tf": tf.__version__, "params": int(model.count_params()),
        "train_ips": a.batch * a.steps / train_s, "infer_ips": a.batch * a.infer_steps / infer_s,
        "train_cpu_ips": a.batch * a.steps / train_cpu, "infer_cpu_ips": a.batch * a.infer_steps / infer_cpu,
        "step_peak_mib": step_peak / 1024, "peak_rss_mib": status_kib("VmHWM") / 1024, "loss": loss,
        "load": os.getloadavg()[0],
    }))


if __name__ == "__main__":
    main()
