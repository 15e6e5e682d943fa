// Golden activations of the imported backbone, computed by TF.js itself (tfjs-converter on the WebAssembly
// backend: pure JavaScript + WebAssembly, no native download). scripts/make-golden-activations runs it.
// Usage: node golden.js MODEL_JSON OUT_PREFIX
// Writes OUT_PREFIX.bin (float32 little-endian, NHWC, tensor after tensor) and OUT_PREFIX.json (what is where).
// The inputs are generated, not stored: GoldenActivationsTest computes the same pixels with the same integer hash.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-wasm');
const converter = require('@tensorflow/tfjs-converter');

const NODES = ['tower_0/MobilenetV3/expanded_conv_5/add', 'tower_0/MobilenetV3/expanded_conv_14/add'];
const INPUTS = [
  {kind: 'noise', height: 224, width: 224, seed: 1},
  {kind: 'gradient', height: 224, width: 224, seed: 2},
  {kind: 'noise', height: 161, width: 129, seed: 3}, // odd sizes: TF's SAME padding is symmetric there
];

// Pixel value 0..255 of (y, x, c); the Java test has the same function.
function pixel(kind, y, x, c, seed, height, width) {
  if (kind === 'noise') {
    let h = Math.imul(((y * 4099 + x) * 3 + c) ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & 255;
  }
  const ramps = [Math.floor(255 * x / (width - 1)), Math.floor(255 * y / (height - 1)),
                 Math.floor(255 * (x + y) / (width + height - 2))];
  const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (width / 4) ** 2;
  return inside ? 255 - ramps[c] : ramps[c];
}

async function main() {
  const [modelJson, outPrefix] = process.argv.slice(2);
  await tf.setBackend('wasm');
  const json = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
  // relax the placeholder's fixed 1x512x512x3 shape: the backbone is fully convolutional
  for (const node of json.modelTopology.node) {
    if (node.op === 'Placeholder') {
      node.attr.shape.shape.dim = [{size: '-1'}, {size: '-1'}, {size: '-1'}, {size: '3'}];
    }
  }
  const weightSpecs = json.weightsManifest.flatMap(g => g.weights);
  const weightData = Buffer.concat(json.weightsManifest.flatMap(g => g.paths)
      .map(p => fs.readFileSync(path.join(path.dirname(modelJson), p))));
  const model = await converter.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs,
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.length)}));
  const entries = [];
  const chunks = [];
  let offset = 0;
  for (const input of INPUTS) {
    const values = new Float32Array(input.height * input.width * 3);
    for (let y = 0; y < input.height; y++) {
      for (let x = 0; x < input.width; x++) {
        for (let c = 0; c < 3; c++) {
          values[(y * input.width + x) * 3 + c] =
              pixel(input.kind, y, x, c, input.seed, input.height, input.width);
        }
      }
    }
    const image = tf.tensor4d(values, [1, input.height, input.width, 3]);
    const outputs = model.execute({'tower_0/images': image}, NODES);
    for (let i = 0; i < NODES.length; i++) {
      const data = await outputs[i].data();
      entries.push({input, node: NODES[i], shape: outputs[i].shape, offset, count: data.length});
      chunks.push(Buffer.from(new Float32Array(data).buffer));
      offset += data.length;
      outputs[i].dispose();
    }
    image.dispose();
  }
  fs.writeFileSync(outPrefix + '.bin', Buffer.concat(chunks));
  fs.writeFileSync(outPrefix + '.json', JSON.stringify({
    about: 'activations of the TF.js graph model, NHWC float32 little-endian, by scripts/make-golden-activations',
    source: path.basename(modelJson),
    tfjs: require('@tensorflow/tfjs-core/package.json').version,
    backend: tf.getBackend(),
    tensors: entries}, null, 1) + '\n');
}

main().catch(e => { console.error(e); process.exit(1); });
