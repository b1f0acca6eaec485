/* zkanchor explorer: the cryptography and encodings the page checks with, self-contained.
 *
 * keccak256 and sha256, zkanchor's domain tags, Poseidon with an initial state (circomlib's
 * PoseidonEx; constants from zkanchor.poseidon.constants, served as poseidon-constants.json),
 * the dataset commitment a receipt leads to, the registry's ABI (calldata decoding, statement
 * and proof hashes, view calls) and the check that a verifier contract's code embeds a
 * verification key.  Nothing here touches the DOM or the network: the page (app.js) and the
 * tests (node) both load it.
 *
 * Copyright the zkanchor authors; Apache-2.0.
 */
(function (root) {
  "use strict";

  const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
  const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  const MASK64 = (1n << 64n) - 1n;

  // ------------------------------------------------------------------ bytes and numbers

  function utf8(text) { return new TextEncoder().encode(text); }

  function hexToBytes(hex) {
    let h = String(hex);
    if (h.startsWith("0x") || h.startsWith("0X")) h = h.slice(2);
    if (h.length % 2 || /[^0-9a-fA-F]/.test(h)) throw new Error("not a hex string");
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(2 * i, 2), 16);
    return out;
  }

  function bytesToHex(bytes) {
    let s = "0x";
    for (const b of bytes) s += b.toString(16).padStart(2, "0");
    return s;
  }

  function bytesToBig(bytes) {
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    return v;
  }

  function word(value) {  // a uint256 as 32 big-endian bytes
    let v = BigInt(value);
    if (v < 0n || v >= (1n << 256n)) throw new Error("value does not fit in 256 bits");
    const out = new Uint8Array(32);
    for (let i = 31; i >= 0; i--) { out[i] = Number(v & 255n); v >>= 8n; }
    return out;
  }

  function concat(parts) {
    const n = parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  function hex32(v) { return "0x" + BigInt(v).toString(16).padStart(64, "0"); }

  function toBig(value) {  // decimal or 0x-hex string, number or bigint
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
    if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value.trim())) return BigInt(value.trim());
    throw new Error("not an integer: " + String(value).slice(0, 40));
  }

  // ------------------------------------------------------------------ keccak256 (Ethereum's, not SHA-3)

  const KECCAK_RC = [
    0x0000000000000001n, 0x0000000000008082n, 0x800000000000808An, 0x8000000080008000n,
    0x000000000000808Bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
    0x000000000000008An, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000An,
    0x000000008000808Bn, 0x800000000000008Bn, 0x8000000000008089n, 0x8000000000008003n,
    0x8000000000008002n, 0x8000000000000080n, 0x000000000000800An, 0x800000008000000An,
    0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
  ];
  const KECCAK_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]];

  function rotl64(v, n) {
    if (n === 0) return v;
    const b = BigInt(n);
    return ((v << b) | (v >> (64n - b))) & MASK64;
  }

  function keccakF(s) {
    const C = new Array(5), B = new Array(25);
    for (let round = 0; round < 24; round++) {
      for (let x = 0; x < 5; x++) C[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
      for (let x = 0; x < 5; x++) {
        const D = C[(x + 4) % 5] ^ rotl64(C[(x + 1) % 5], 1);
        for (let y = 0; y < 25; y += 5) s[x + y] ^= D;
      }
      for (let x = 0; x < 5; x++) {
        for (let y = 0; y < 5; y++) B[y + 5 * ((2 * x + 3 * y) % 5)] = rotl64(s[x + 5 * y], KECCAK_ROT[x][y]);
      }
      for (let x = 0; x < 5; x++) {
        for (let y = 0; y < 25; y += 5) s[x + y] = B[x + y] ^ ((~B[(x + 1) % 5 + y] & MASK64) & B[(x + 2) % 5 + y]);
      }
      s[0] ^= KECCAK_RC[round];
    }
  }

  function keccak256(data) {
    const bytes = typeof data === "string" ? utf8(data) : data;
    const rate = 136;
    const padded = new Uint8Array(Math.floor(bytes.length / rate + 1) * rate);
    padded.set(bytes);
    padded[bytes.length] ^= 0x01;
    padded[padded.length - 1] ^= 0x80;
    const s = new Array(25).fill(0n);
    for (let off = 0; off < padded.length; off += rate) {
      for (let i = 0; i < rate / 8; i++) {
        let lane = 0n;
        for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + 8 * i + k]);
        s[i] ^= lane;
      }
      keccakF(s);
    }
    const out = new Uint8Array(32);
    for (let i = 0; i < 4; i++) {
      let lane = s[i];
      for (let k = 0; k < 8; k++) { out[8 * i + k] = Number(lane & 255n); lane >>= 8n; }
    }
    return out;
  }

  function selector(signature) { return keccak256(signature).slice(0, 4); }

  // ------------------------------------------------------------------ sha256

  const SHA_K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function sha256(data) {
    const bytes = typeof data === "string" ? utf8(data) : data;
    const bitLen = bytes.length * 8;
    const total = Math.ceil((bytes.length + 9) / 64) * 64;
    const m = new Uint8Array(total);
    m.set(bytes);
    m[bytes.length] = 0x80;
    const view = new DataView(m.buffer);
    view.setUint32(total - 8, Math.floor(bitLen / 0x100000000));
    view.setUint32(total - 4, bitLen >>> 0);
    const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const W = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < total; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + 4 * i);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
        const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const ch = (e & f) ^ (~e & g);
        const t1 = (h + S1 + ch + SHA_K[i] + W[i]) >>> 0;
        const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(4 * i, H[i]);
    return out;
  }

  // ------------------------------------------------------------------ Poseidon (circomlib's, with an initial state)

  let CONSTANTS = null;  // width t -> {C: [[BigInt]], M: [[BigInt]], RF, RP}

  function loadPoseidonConstants(json) {
    if (!json || json.format !== "zkanchor-poseidon-constants" || typeof json.widths !== "object") {
      throw new Error("not a zkanchor Poseidon constants file");
    }
    const out = {};
    for (const [t, entry] of Object.entries(json.widths)) {
      const w = Number(t);
      const big = (h) => BigInt("0x" + h);
      const flat = entry.C.map(big);
      const rows = [];
      for (let r = 0; r < entry.RF + entry.RP; r++) rows.push(flat.slice(r * w, (r + 1) * w));
      if (rows.length * w !== flat.length) throw new Error("Poseidon constants of width " + t + " have the wrong size");
      out[w] = { C: rows, M: entry.M.map((row) => row.map(big)), RF: entry.RF, RP: entry.RP };
    }
    CONSTANTS = out;
    return out;
  }

  function pow5(x) { const x2 = x * x % R; return x2 * x2 % R * x % R; }

  function permute(state) {
    const t = state.length;
    const p = CONSTANTS && CONSTANTS[t];
    if (!p) throw new Error("no Poseidon constants for width " + t + " (load poseidon-constants.json first)");
    let s = state.map((x) => ((x % R) + R) % R);
    const half = p.RF / 2, rounds = p.RF + p.RP;
    for (let r = 0; r < rounds; r++) {
      s = s.map((x, i) => (x + p.C[r][i]) % R);
      if (r < half || r >= half + p.RP) s = s.map(pow5);
      else s[0] = pow5(s[0]);
      const next = new Array(t);
      for (let i = 0; i < t; i++) {
        let acc = 0n;
        for (let j = 0; j < t; j++) acc += p.M[i][j] * s[j];
        next[i] = acc % R;
      }
      s = next;
    }
    return s;
  }

  function poseidon(inputs, init) {
    const values = inputs.map(toBig);
    if (values.length < 1 || values.length > 16) throw new Error("Poseidon takes 1 to 16 inputs");
    for (const v of values) if (v < 0n || v >= R) throw new Error("a Poseidon input is outside the field");
    return permute([toBig(init || 0n) % R, ...values])[0];
  }

  function hashChain(elements, init) {  // zkanchor.poseidon.hash.hash_chain
    if (!elements.length) throw new Error("a hash chain needs at least one element");
    let h = poseidon(elements.slice(0, 16), init);
    for (let i = 16; i < elements.length; i += 15) h = poseidon([h, ...elements.slice(i, i + 15)], init);
    return h;
  }

  // zkanchor.poseidon.domains.tag: sha256("zkanchor/" + name + "/" + param ...) mod R
  function tag(name, ...params) {
    return bytesToBig(sha256("zkanchor/" + name + params.map((p) => "/" + String(p)).join(""))) % R;
  }

  // ------------------------------------------------------------------ the dataset commitment (zkanchor.commit.commitment)

  const PACK_BITS = 253;
  const SHAPE_VERSION = 2n;
  const FLAGS_COLUMN = "__consent_flags__";

  function packRow(row, valueBits) {
    const b = BigInt(valueBits), k = Math.floor(PACK_BITS / valueBits), half = 1n << (b - 1n);
    const out = new Array(Math.ceil(row.length / k)).fill(0n);
    row.forEach((q, j) => {
      const v = toBig(q);
      if (v < -half || v >= half) throw new Error("a value does not fit in " + valueBits + " signed bits");
      out[Math.floor(j / k)] += (v + half) << (BigInt(j % k) * b);
    });
    return out;
  }

  function nameElement(name) { return bytesToBig(sha256(name)) % R; }

  // zkanchor.commit.preprocessing: a float64's IEEE-754 bit pattern as an unsigned integer.
  function floatBits(value) {
    if (typeof value !== "number" || !Number.isFinite(value)) throw new Error("a standardisation statistic must be a finite number");
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value);
    return view.getBigUint64(0);
  }

  /* The digest of a committed standardisation record {kind: "standardize", mean, std[, digest]}:
   * Poseidon chain under tag(preprocessing) over [d, bits(mean_0), bits(std_0), ...].
   * JSON.parse reads Python's float repr back to the same float64, so the bits agree. */
  function preprocessingDigest(record) {
    if (!record || record.kind !== "standardize" || !Array.isArray(record.mean) || !Array.isArray(record.std)
        || !record.mean.length || record.mean.length !== record.std.length) {
      throw new Error("the standardisation record needs one mean and one std per feature");
    }
    if (!record.std.every((v) => typeof v === "number" && v > 0)) throw new Error("every standard deviation must be positive");
    const elements = [BigInt(record.mean.length)];
    record.mean.forEach((m, j) => elements.push(floatBits(m), floatBits(record.std[j])));
    const digest = hashChain(elements, tag("preprocessing"));
    if (record.digest !== undefined && toBig(record.digest) !== digest) throw new Error("the standardisation record's digest does not match its statistics");
    return digest;
  }

  // With a preprocessing record, its digest follows the names under tag(schema/digest, k + 1, 1).
  function schemaDigest(featureNames, targetName, flags, preprocessing) {
    const names = [...featureNames, targetName, ...(flags ? [FLAGS_COLUMN] : [])].map(nameElement);
    if (preprocessing === undefined || preprocessing === null) return hashChain(names, tag("schema/digest", names.length));
    if (!Array.isArray(preprocessing.mean) || preprocessing.mean.length !== featureNames.length) {
      throw new Error("the standardisation record must cover every feature");
    }
    return hashChain([...names, preprocessingDigest(preprocessing)], tag("schema/digest", names.length + 1, 1));
  }

  function shapeDigest(n, d, fracBits, valueBits, schema) {
    return hashChain([SHAPE_VERSION, BigInt(n), BigInt(d), BigInt(fracBits), BigInt(valueBits), schema], tag("dataset/shape"));
  }

  function pathRoot(leaf, path, index) {
    let node = leaf, i = BigInt(index);
    const t = tag("dataset/node");
    if (i < 0n || i >= (1n << BigInt(path.length))) throw new Error("the leaf index does not fit the path");
    for (const sibling of path.map(toBig)) {
      node = poseidon((i & 1n) ? [sibling, node] : [node, sibling], t);
      i >>= 1n;
    }
    return node;
  }

  /* What a receipt (zkanchor.commit.receipts, version 1) leads to: its leaf, the root and the
   * dataset commitment C_D, each recomputed here.  Throws on a malformed receipt. */
  function receiptCommitment(receipt) {
    const r = receipt;
    if (!r || r.kind !== "zkanchor-receipt" || r.version !== 1) throw new Error("not a version-1 zkanchor receipt");
    for (const k of ["n", "frac_bits", "value_bits", "index"]) {
      if (!Number.isSafeInteger(r[k]) || r[k] < 0) throw new Error("the receipt's " + k + " must be a non-negative integer");
    }
    if (!Array.isArray(r.feature_names) || !r.feature_names.every((s) => typeof s === "string")) {
      throw new Error("the receipt's feature_names must be a list of strings");
    }
    if (!Array.isArray(r.row) || !Array.isArray(r.path) || r.path.length > 40) throw new Error("the receipt's row or path is malformed");
    if (r.value_bits < 2 || r.value_bits > 64) throw new Error("the receipt's value_bits is out of range");
    const flags = Boolean(r.consent_flags);
    if (r.row.length !== r.feature_names.length + 1 + (flags ? 1 : 0)) throw new Error("the receipt's row does not have one value per column");
    if (r.index >= r.n) throw new Error("the receipt's position is outside the dataset");
    const owner = toBig(r.owner);
    const elements = packRow(r.row, r.value_bits);
    const leaf = hashChain([toBig(r.leaf_salt), ...elements], tag("dataset/leaf", elements.length + 1));
    const root = pathRoot(leaf, r.path, r.index);
    const schema = schemaDigest(r.feature_names, String(r.target_name), flags, r.preprocessing);
    const shape = shapeDigest(r.n, r.feature_names.length, r.frac_bits, r.value_bits, schema);
    const commitment = poseidon([root, shape, owner], tag("dataset/commitment"));
    return { leaf, root, shape, commitment, owner };
  }

  // ------------------------------------------------------------------ the registry's ABI

  const SIG = {
    anchorTraining: "anchorTraining(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[])",
    anchorSegment: "anchorSegment(bytes32,bytes32,uint256,uint256,uint256[2],uint256[2][2],uint256[2],uint256[])",
    resolve: "resolve(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[])",
    anchorAggregate: "anchorAggregate(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[],bytes32[],uint256[][])",
    anchorOptimistic: "anchorOptimistic(bytes32,uint256[],bytes32)",
    anchorSegmentOptimistic: "anchorSegmentOptimistic(bytes32,bytes32,uint256,uint256,uint256[],bytes32)",
    anchorErasure: "anchorErasure(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[],uint256[])",
    anchorValidity: "anchorValidity(bytes32,uint256[2],uint256[2][2],uint256[2],uint256[])",
  };
  const VIEW = {
    circuit: "circuit(bytes32)",
    anchor: "anchor(bytes32)",
    dataset: "dataset(address,uint256)",
  };
  const EVENT = {
    TrainingAnchored: "TrainingAnchored(bytes32,address,uint256,bytes32)",
    OptimisticAnchored: "OptimisticAnchored(bytes32,address,uint256,bytes32,bytes32)",
    AggregateAnchored: "AggregateAnchored(bytes32,address,bytes32,uint256,uint256,bytes32[])",
    AnchorResolved: "AnchorResolved(bytes32,address,bool)",
    ErasureAnchored: "ErasureAnchored(bytes32,address,uint256,uint256,bytes32,uint256[])",
    ValidityAnchored: "ValidityAnchored(bytes32,address,uint256,bytes32,uint256)",
  };
  // Where each function's head keeps what: [words before the proof, proof?, inputs offset word]
  const LAYOUT = {
    anchorTraining: { pre: 1, proof: true },
    resolve: { pre: 1, proof: true },
    anchorAggregate: { pre: 1, proof: true },
    anchorSegment: { pre: 4, proof: true },
    anchorOptimistic: { pre: 1, proof: false },
    anchorSegmentOptimistic: { pre: 4, proof: false },
    anchorErasure: { pre: 1, proof: true },
    anchorValidity: { pre: 1, proof: true },
  };
  const ANCHOR_KIND = ["none", "verified", "optimistic"];
  const ANCHOR_STATUS = ["none", "valid", "pending", "challenged", "invalid"];

  let SELECTORS = null;
  function selectors() {
    if (!SELECTORS) {
      SELECTORS = {};
      for (const [name, sig] of Object.entries(SIG)) SELECTORS[bytesToHex(selector(sig))] = name;
    }
    return SELECTORS;
  }

  function readWord(data, index) {
    const off = 4 + 32 * index;
    if (off + 32 > data.length) throw new Error("the calldata is too short");
    return bytesToBig(data.slice(off, off + 32));
  }

  function readArray(data, offset) {  // a uint256[] at a byte offset of the arguments
    const start = 4 + Number(offset);
    if (offset > BigInt(data.length)) throw new Error("an array offset points outside the calldata");
    const n = bytesToBig(data.slice(start, start + 32));
    if (n > 4096n || start + 32 + Number(n) * 32 > data.length) throw new Error("an array runs past the calldata");
    const out = [];
    for (let i = 0; i < Number(n); i++) out.push(bytesToBig(data.slice(start + 32 + 32 * i, start + 64 + 32 * i)));
    return out;
  }

  /* Decode a registry call's calldata: {fn, circuitId, proof?: {a, b, c} (words as the
   * verifier takes them, b imaginary part first), inputs, runId?, index?, total?, proofHash?} */
  function decodeCall(input) {
    const data = typeof input === "string" ? hexToBytes(input) : input;
    if (data.length < 4) throw new Error("the transaction carries no call");
    const fn = selectors()[bytesToHex(data.slice(0, 4))];
    if (!fn) throw new Error("the transaction does not call an anchoring function of the registry");
    const layout = LAYOUT[fn];
    const out = { fn, circuitId: hex32(readWord(data, 0)) };
    if (layout.pre === 4) {
      out.runId = hex32(readWord(data, 1));
      out.index = readWord(data, 2);
      out.total = readWord(data, 3);
    }
    let w = layout.pre;
    if (layout.proof) {
      const a = [readWord(data, w), readWord(data, w + 1)];
      const b = [[readWord(data, w + 2), readWord(data, w + 3)], [readWord(data, w + 4), readWord(data, w + 5)]];
      const c = [readWord(data, w + 6), readWord(data, w + 7)];
      out.proof = { a, b, c };
      w += 8;
    }
    out.inputs = readArray(data, readWord(data, w));
    if (!layout.proof) out.proofHash = hex32(readWord(data, w + 1));
    return out;
  }

  // keccak256(abi.encode(bytes32 circuitId, uint256[] inputs)): the anchor's id
  function statementHash(circuitId, inputs) {
    return bytesToHex(keccak256(concat([hexToBytes(circuitId), word(64), word(inputs.length), ...inputs.map(word)])));
  }

  // keccak256(abi.encode(a, b, c)): what an optimistic anchor commits to
  function proofHash(proof) {
    const { a, b, c } = proof;
    return bytesToHex(keccak256(concat([a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]].map(word))));
  }

  function callData(signature, words) { return bytesToHex(concat([selector(signature), ...words.map(word)])); }

  function addressWord(address) { return toBig(address); }

  function decodeWords(hex) {
    const bytes = hexToBytes(hex);
    const out = [];
    for (let i = 0; i + 32 <= bytes.length; i += 32) out.push(bytesToBig(bytes.slice(i, i + 32)));
    return out;
  }

  function checksumAddress(value) {
    const hex = BigInt(value).toString(16).padStart(40, "0");
    const hash = bytesToHex(keccak256(hex)).slice(2);
    let out = "0x";
    for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? hex[i].toUpperCase() : hex[i];
    return out;
  }

  function decodeCircuitView(hex) {
    const w = decodeWords(hex);
    if (w.length < 9) throw new Error("the registry's circuit view returned too little data");
    return { verifier: checksumAddress(w[0]), nPublic: Number(w[1]), kind: Number(w[2]), trainingBlockInput: Number(w[3]),
             circuitHash: hex32(w[4]), specDigest: w[5], publicStart: w[6], descriptionHash: hex32(w[7]), registeredAt: Number(w[8]) };
  }

  function decodeAnchorView(hex) {
    const w = decodeWords(hex);
    if (w.length < 8) throw new Error("the registry's anchor view returned too little data");
    return { institution: checksumAddress(w[0]), kind: ANCHOR_KIND[Number(w[1])] || "?", status: ANCHOR_STATUS[Number(w[2])] || "?",
             block: Number(w[3]), timestamp: Number(w[4]), proofHash: hex32(w[5]), deadline: Number(w[6]), circuitKind: Number(w[7]) };
  }

  function decodeDatasetView(hex) {
    const w = decodeWords(hex);
    if (w.length < 5) throw new Error("the registry's dataset view returned too little data");
    return { block: Number(w[0]), timestamp: Number(w[1]), expiresAt: Number(w[2]), metadataHash: hex32(w[3]), anchorCount: Number(w[4]) };
  }

  // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n]) calldata (snarkjs's ABI)
  function verifyProofCall(proof, inputs) {
    const { a, b, c } = proof;
    return callData(`verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${inputs.length}])`,
      [a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1], ...inputs]);
  }

  // calldata words -> snarkjs proof.json (pi_b real part first) and public.json
  function snarkjsProof(proof) {
    const { a, b, c } = proof;
    const s = (v) => v.toString();
    return {
      pi_a: [s(a[0]), s(a[1]), "1"],
      pi_b: [[s(b[0][1]), s(b[0][0])], [s(b[1][1]), s(b[1][0])], ["1", "0"]],
      pi_c: [s(c[0]), s(c[1]), "1"],
      protocol: "groth16",
      curve: "bn128",
    };
  }

  // ------------------------------------------------------------------ does a contract's code embed a key?

  function pushImmediates(codeHex) {  // every PUSH1..PUSH32 immediate of the code, as BigInt
    const code = hexToBytes(codeHex);
    const out = new Set();
    for (let i = 0; i < code.length; i++) {
      const op = code[i];
      if (op >= 0x60 && op <= 0x7f) {
        const n = op - 0x5f;
        out.add(bytesToBig(code.slice(i + 1, i + 1 + n)).toString());
        i += n;
      }
    }
    return out;
  }

  /* The constants zkanchor's verifier template bakes into the contract for a snarkjs
   * verification key: alpha, -beta, -gamma, -delta (EIP-197 word order) and every IC point. */
  function verifierConstants(vk) {
    const g1 = (pt) => [toBig(pt[0]), toBig(pt[1])];
    const negG2 = (pt) => {
      const x0 = toBig(pt[0][0]), x1 = toBig(pt[0][1]), y0 = toBig(pt[1][0]), y1 = toBig(pt[1][1]);
      return [x1, x0, (P - y1) % P, (P - y0) % P];
    };
    const out = [...g1(vk.vk_alpha_1), ...negG2(vk.vk_beta_2), ...negG2(vk.vk_gamma_2), ...negG2(vk.vk_delta_2)];
    for (const ic of vk.IC) out.push(...g1(ic));
    return out;
  }

  /* {ok, missing, total}: whether every constant of the key is a PUSH immediate of the code.
   * Fails closed on a key with a constant below 2^128 (a real key's are uniformly random
   * 254-bit numbers; small ones would match any code's small pushes).  It shows which key the
   * contract holds, not in which order it uses the IC points: the page also asks the contract. */
  function codeEmbedsKey(codeHex, vk) {
    const pushes = pushImmediates(codeHex);
    const wanted = verifierConstants(vk);
    const missing = wanted.filter((v) => v < (1n << 128n) || !pushes.has(v.toString()));
    return { ok: wanted.length > 0 && missing.length === 0, missing: missing.length, total: wanted.length };
  }

  const api = {
    R, P, utf8, hexToBytes, bytesToHex, bytesToBig, word, concat, hex32, toBig,
    keccak256, sha256, selector, checksumAddress,
    loadPoseidonConstants, poseidon, hashChain, tag,
    packRow, nameElement, floatBits, preprocessingDigest, schemaDigest, shapeDigest, pathRoot, receiptCommitment,
    SIG, VIEW, EVENT, decodeCall, statementHash, proofHash, callData, addressWord, decodeWords,
    decodeCircuitView, decodeAnchorView, decodeDatasetView, verifyProofCall, snarkjsProof,
    pushImmediates, verifierConstants, codeEmbedsKey,
    eventTopic: (name) => bytesToHex(keccak256(EVENT[name])),
  };
  root.ZK = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
