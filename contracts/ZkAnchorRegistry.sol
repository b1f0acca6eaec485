// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title zkanchor registry v2: institutions, dataset commitments, training proofs, checkpoint
///        runs (declared by openRun, then extended segment by segment), federated aggregates,
///        and data subjects' rights (erasure requests, their proven answers and proven refutations,
///        validity claims)
/// @notice An admin registers institutions and, per circuit, the Groth16 verifier that checks
///         its proofs together with what the verifier is for: the circuit hash (sha256 of the
///         canonical R1CS, computed off chain from the statement's public spec), the spec digest
///         (a field element every training statement carries as public input 4), the circuit's
///         kind (1 = training, 2 = aggregation, 3 = erasure, 4 = validity, 5 = non-membership) and, for training
///         circuits, an optional public start (the commitment of the public initial weights).
///
///         Public inputs of a TRAINING statement:
///           [0] the institution's address (uint160)   [1] the dataset commitment C_D
///           [2] C_W0   [3] C_W   [4] the spec digest   [5..] optional clauses.
///         Public inputs of an AGGREGATION statement with k members:
///           [0] the aggregator's address   [1] C_prev (the global model the round started from)
///           [2..k+1] C_1..C_k (the members' local models)   [k+2] C_G (the new global model).
///         Public inputs of an ERASURE statement answering k requests:
///           [0] the institution   [1] C_D (before)   [2] C_D' (after)   [3..k+2] L_1..L_k, the
///           leaves of the erased records (C_D' is C_D with exactly those leaves tombstoned).
///         Public inputs of a VALIDITY statement:
///           [0] the institution   [1] C_D   [2] the schema digest (the circuit's spec digest).
///         Public inputs of a NON-MEMBERSHIP statement naming m leaves:
///           [0] the institution   [1] C_D   [2..m+1] L_1..L_m, leaves no record of C_D has.
///
///         Rules (each refusal is a custom error):
///         - Everything is keyed on the statement hash keccak256(abi.encode(circuitId, inputs)),
///           never on proof bytes: Groth16 proofs are malleable ((-A, -B, C) verifies whenever
///           (A, B, C) does), so a malleated copy is the same statement and is refused.
///         - input[0] must be msg.sender: a proof seen in the mempool is useless to anyone else.
///         - Dataset anchors are keyed by (institution, commitment): every institution anchors in
///           its own namespace, so nobody can squat another's commitment.  A training statement's
///           input[1] must have been anchored by msg.sender in a block strictly before the
///           training anchor's block.  That is all the chain itself can witness about order.  A
///           circuit may also expose a claimed training-start block as a public input
///           (trainingBlockInput != 0); it must then lie in (dataset block, current block].
///           A dataset anchor may carry a retention expiry (unix time, 0 = none); the registry
///           records and emits it, audits flag training that rests on expired data.
///         - input[4] of a training statement must be the circuit's spec digest.
///         - Verified anchoring runs the verifier and records the anchor only if it returns true.
///         - Optimistic anchoring stores the statement (checked exactly as above) and the hash
///           of the one proof the institution promises to reveal:
///             proofHash = keccak256(abi.encode(a, b, c))   (words exactly as verifyProof takes them,
///                                                           so b is in EIP-197 order)
///           Anyone may resolve it with (circuitId, a, b, c, inputs): the statement and the proof
///           hash must match, then the verifier's answer marks the anchor Valid or Invalid.  A
///           different proof, even a valid malleated one, is refused (ProofHashMismatch).  Anyone
///           may also challenge a pending anchor; if the committed proof is not revealed within
///           `challengeWindow` blocks, anyone may expire the anchor, which marks it Invalid.
///         - Checkpoint runs: long training is proven as segments (epochs k..k+s) of one circuit
///           over one C_D, chained through the weights.  A run is named by (institution, runId),
///           so no one can squat or front-run another institution's run id.  The institution
///           declares it with openRun when training starts, before any proof exists: `total`
///           segments of a training circuit over a dataset it anchored in an earlier block (and
///           that is not erased), from the weights C_W0 = startWeights (the circuit's public
///           start, when it has one), so watchers see on chain that the run has begun.  A run is
///           opened once (a second openRun is a fork of its start: CheckpointFork).  Every
///           segment, index 0 included, then extends it: no segment for a run that is not open
///           (RunNotOpen); its index must be the next one (CheckpointGap; an index already
///           anchored is a fork, CheckpointFork), with the run's circuit, C_D and total, and C_W0
///           equal to the last segment's C_W (segment 0: to startWeights).  Every segment is also
///           a normal training anchor (verified or optimistic, with challenge/resolve/expire).
///         - Aggregates: the aggregator's proof is anchored only if every member model C_i is the
///           C_W of a Valid anchored training statement that started from C_prev, members are
///           distinct institutions, and C_prev is the public start of the members' circuits or a
///           C_G the same aggregator anchored before.
///         - The verifier gets an explicit gas allowance and the call is refused if less than
///           that is available, so a caller cannot starve the verifier to turn a valid proof
///           into `false` (the verifier returns false, not revert, when a precompile runs dry).
///         - Erasure requests: anyone (a data subject or their representative; no registration)
///           may file requestErasure(owner, C_D, leaf) for a dataset `owner` anchored, naming the
///           leaf of their record (from their receipt: it reveals nothing about the record).  The
///           request gets an id (1, 2, ...) and a deadline: the filing block + `erasureDeadline`
///           blocks (set at deployment; blocks, like the challenge window).  The institution
///           answers with anchorErasure and an erasure proof whose L_j is the leaf of the j-th
///           request id; each must be a pending request to the sender about C_D, or about a
///           dataset C_D descends from by earlier erasures (requests follow the data: leaves
///           other than the erased ones are unchanged).  A late answer is accepted; views and
///           audits show it late, and an unanswered request past its deadline overdue.  On a
///           valid proof the requests are marked answered (with the block), C_D' is anchored as
///           the sender's dataset (erasedFrom = C_D, with C_D's retention expiry) and C_D is
///           marked erased: no new training anchor (verified, optimistic, segment) may rest on it
///           and no run be opened on it (DatasetErased); anchors already on it stay, and audits
///           report them superseded (a run opened on it cannot be extended any more).
///           Aggregates are not refused for members whose data was erased since (the member's
///           anchor stands); audits flag them.  Answering, like all anchoring, takes an active
///           institution: a revoked one's requests stay open.  A request may not name leaf 0 (the
///           tree's padding) nor the TOMBSTONE (what an erased record's leaf becomes): neither is
///           a record (InvalidLeaf).
///         - Refutations: a request naming a record the dataset never held cannot be answered.
///           The institution refutes it with refuteErasure and a non-membership proof: no record
///           of C_D (input 1) has any of the leaves L_1..L_m (inputs 2..).  Each request id must be
///           a pending request to the sender about exactly C_D — not about a dataset C_D descends
///           from or was erased into: a leaf absent from C_D' may have been in C_D (it was erased),
///           so only a proof about the request's own dataset refutes it — and its leaf must be
///           among the proof's (in any order; one proof may refute several requests naming the
///           same leaf, and be used again for later ones).  On a valid proof the requests are
///           marked refuted (with the block): the view shows status Refuted, never Overdue.  An
///           answered request cannot be refuted (ErasureRequestAnswered) nor a refuted one
///           answered (ErasureRequestRefuted).  A refutation stores no anchor: its
///           ErasureRefuted event and the requests it settles are its record.
///         - Validity claims: anchorValidity records a verified validity statement (the data
///           committed in C_D satisfies the schema whose digest is the circuit's spec digest)
///           next to the sender's dataset: its schema digest and statement hash (the latest claim;
///           every claim is an event).
///         - Admin: the deployer; two-step transfer (transferAdmin, then acceptAdmin by the new one).
contract ZkAnchorRegistry {
    string public constant VERSION = "2.3.0";

    /// BN254 scalar field modulus: public inputs must be reduced below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// The five inputs every training statement starts with.
    uint256 public constant MIN_PUBLIC_INPUTS = 5;
    /// Aggregator, C_prev, at least one member, C_G.
    uint256 public constant MIN_AGGREGATE_INPUTS = 4;
    /// Circuit kinds (a uint8: room for more).
    uint8 public constant KIND_TRAINING = 1;
    uint8 public constant KIND_AGGREGATION = 2;
    uint8 public constant KIND_ERASURE = 3;
    uint8 public constant KIND_VALIDITY = 4;
    uint8 public constant KIND_NONMEMBERSHIP = 5;
    /// Institution, C_D, C_D', at least one leaf.
    uint256 public constant MIN_ERASURE_INPUTS = 4;
    /// Institution, C_D, schema digest.
    uint256 public constant MIN_VALIDITY_INPUTS = 3;
    /// Institution, C_D, at least one leaf.
    uint256 public constant MIN_NONMEMBERSHIP_INPUTS = 3;
    /// The leaf of an erased record: Poseidon([0]) under the tag "dataset/tombstone" (no record
    /// hashes to it).  No request may name it.
    uint256 public constant TOMBSTONE = 0x14ae6373d67a4da7b5b70fc9e7707009aa64bbbbd9ec42db7b4e6749afb41a77;
    /// Segments per checkpoint run (indices are stored as uint24).
    uint256 public constant MAX_SEGMENTS = type(uint24).max;
    /// Gas given to a verifier: the 4-pair pairing is 181,000 and each input's ecMul+ecAdd
    /// 6,150 (EIP-1108); the rest is a generous margin for the verifier's own code and for
    /// the 1/64 each precompile call withholds.
    uint256 public constant VERIFIER_GAS_BASE = 200_000;
    uint256 public constant VERIFIER_GAS_PER_INPUT = 7_000;

    enum InstitutionStatus { None, Active, Revoked }
    enum AnchorKind { None, Verified, Optimistic }
    enum AnchorStatus { None, Valid, Pending, Challenged, Invalid }
    /// Overdue = pending past its deadline (computed, never stored).  Refuted: shown by a
    /// non-membership proof to name a record the dataset never held.
    enum ErasureStatus { None, Pending, Answered, Overdue, Refuted }

    // Storage is laid out for the hot paths: a training anchor reads one slot per institution,
    // circuit, spec digest and dataset and writes one new slot; a segment also updates its run's
    // two slots, which openRun wrote (so no segment pays for a new one).  Lists of anchors are not
    // kept in storage (22k gas an entry): the events index them, with institution, dataset and
    // statement as topics.
    struct Institution {
        InstitutionStatus status;
        uint40 since; // block of the last registration or revocation
        uint32 datasetCount;
    }

    /// What an anchor needs of a circuit: one slot.
    struct Circuit {
        address verifier;
        uint16 nPublic;
        uint8 trainingBlockInput; // 0 = none; else the index of a claimed training-start block
        uint8 kind;
        bytes4 selector; // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[nPublic])
        uint32 index; // position in _circuitList (how a run names its circuit in a packed slot)
    }

    /// The rest of a circuit's record.
    struct CircuitMeta {
        uint256 specDigest;
        uint256 publicStart; // training circuits: commitment of the public initial weights, 0 = none
        bytes32 circuitHash;
        bytes32 descriptionHash;
        uint40 registeredAt;
    }

    /// One slot: a training anchor's DatasetErased check reads nothing more than it did.
    struct Dataset {
        uint40 blockNumber; // 0 = not anchored
        uint40 timestamp;
        uint40 expiresAt; // retention expiry (unix time), 0 = none
        uint32 anchorCount; // training anchors resting on this dataset (a checkpoint run counts once, when opened)
        uint32 index; // position in _datasetsOf[institution]
        uint40 erasedAt; // block of the erasure that superseded it, 0 = none
        uint32 erasedInto; // with erasedAt: the position of C_D' in _datasetsOf[institution]
    }

    /// An erasure request: slot 0 is what an answer or a refutation checks first and updates.
    struct ErasureRequest {
        address owner; // the institution the request is addressed to (0 = no such request)
        uint40 filedAt; // block; the deadline is filedAt + erasureDeadline
        uint40 answeredAt; // block of the answering erasure or of the refutation, 0 = pending
        bool refuted; // with answeredAt: settled by a refutation, not an erasure
        uint256 dataset; // the commitment the request names
        uint256 leaf; // the record's leaf
    }

    /// The latest validity claim about a dataset (its schema digest is its circuit's spec digest).
    struct Validity {
        bytes32 statementHash;
        uint40 blockNumber;
        uint32 circuitIndex;
        uint32 claims; // how many validity statements were anchored about the dataset
    }

    struct Anchor {
        address institution;
        uint40 blockNumber;
        uint32 timestamp;
        AnchorKind kind;
        AnchorStatus status;
        uint8 circuitKind;
    }

    /// A checkpoint run, keyed by (institution, runId).  Slot 0 is packed; the circuit and the
    /// dataset are named by their list positions so that they fit in it.  openRun writes both
    /// slots non-zero, so each segment only updates them.
    struct Run {
        uint32 circuitIndex;
        uint32 datasetIndex;
        uint24 total; // 0 = no such run
        uint24 segments; // segments anchored so far = the index the next one must have
        uint40 openedAt; // block of openRun
        uint40 lastBlock; // block of the last segment, 0 = none yet
        uint256 lastWeights; // C_W of the last segment; startWeights until segment 0
    }

    address public admin;
    address public pendingAdmin;
    /// Blocks the institution has to reveal its proof after an optimistic anchor is challenged.
    uint256 public immutable challengeWindow;
    /// Blocks an institution has to answer an erasure request (from the block it was filed in).
    uint256 public immutable erasureDeadline;
    /// Erasure requests filed so far; their ids are 1..erasureRequestCount.
    uint256 public erasureRequestCount;

    mapping(address => Institution) private _institutions;
    address[] private _institutionList;
    mapping(bytes32 => Circuit) private _circuits;
    mapping(bytes32 => CircuitMeta) private _circuitMeta;
    bytes32[] private _circuitList;
    mapping(address => mapping(uint256 => Dataset)) private _datasets;
    mapping(address => mapping(uint256 => bytes32)) private _datasetMetadata;
    mapping(address => uint256[]) private _datasetsOf;
    mapping(bytes32 => Anchor) private _anchors;
    mapping(bytes32 => bytes32) private _proofHashes; // optimistic anchors only
    mapping(bytes32 => uint256) private _challengeDeadlines; // challenged anchors only
    mapping(address => mapping(bytes32 => Run)) private _runs;
    mapping(address => mapping(uint256 => bool)) private _aggregateModels; // aggregator => C_G => anchored
    mapping(uint256 => ErasureRequest) private _erasureRequests;
    mapping(address => mapping(uint256 => uint256)) private _erasedFrom; // institution => C_D' => C_D
    mapping(address => mapping(uint256 => Validity)) private _validity;

    // ------------------------------------------------------------------ errors

    error NotAdmin(address caller);
    error NotPendingAdmin(address caller);
    error ZeroAddress();
    error InvalidChallengeWindow();
    error InvalidErasureDeadline();
    error InstitutionAlreadyRegistered(address institution);
    error UnregisteredInstitution(address institution);
    error RevokedInstitution(address institution);
    error InvalidCircuitId();
    error CircuitAlreadyRegistered(bytes32 circuitId);
    error UnknownCircuit(bytes32 circuitId);
    error InvalidCircuitKind(uint256 kind);
    error WrongCircuitKind(bytes32 circuitId, uint256 kind);
    error InvalidCircuitHash();
    error InvalidSpecDigest(uint256 specDigest);
    error InvalidPublicStart(uint256 publicStart);
    error VerifierHasNoCode(address verifier);
    error VerifierInterfaceMismatch(address verifier, uint256 nPublic);
    error TooFewPublicInputs(uint256 nPublic, uint256 minimum);
    error InvalidTrainingBlockInput(uint256 index, uint256 nPublic);
    error InvalidCommitment(uint256 commitment);
    error InvalidExpiry(uint256 expiresAt, uint256 timestamp);
    error DatasetAlreadyAnchored(uint256 commitment, address institution);
    error WrongInputCount(uint256 expected, uint256 given);
    error InputNotInField(uint256 index, uint256 value);
    error InstitutionInputMismatch(address sender, uint256 input0);
    error SpecDigestMismatch(uint256 expected, uint256 given);
    error DatasetNotAnchored(address institution, uint256 commitment);
    error DatasetNotAnchoredEarlier(uint256 commitment, uint256 datasetBlock);
    error TrainingBlockOutOfRange(uint256 claimedBlock, uint256 datasetBlock, uint256 currentBlock);
    error StatementAlreadyAnchored(bytes32 statementHash);
    error InsufficientGasForVerifier(uint256 needed, uint256 available);
    error VerifierCallFailed(address verifier);
    error ProofRejected(bytes32 statementHash);
    error ZeroProofHash();
    error AnchorNotFound(bytes32 statementHash);
    error NotOptimistic(bytes32 statementHash);
    error AnchorSettled(bytes32 statementHash, AnchorStatus status);
    error AlreadyChallenged(bytes32 statementHash, uint256 deadline);
    error NotChallenged(bytes32 statementHash);
    error ChallengeWindowOpen(bytes32 statementHash, uint256 deadline);
    error ChallengeWindowClosed(bytes32 statementHash, uint256 deadline);
    error ProofHashMismatch(bytes32 committed, bytes32 given);
    error InvalidRunId();
    error InvalidSegmentTotal(uint256 total);
    error CheckpointIndexOutOfRange(uint256 index, uint256 total);
    error CheckpointGap(bytes32 runId, uint256 expected, uint256 given);
    error CheckpointFork(bytes32 runId, uint256 index);
    error CheckpointTotalMismatch(bytes32 runId, uint256 expected, uint256 given);
    error CheckpointCircuitMismatch(bytes32 runId, bytes32 expected, bytes32 given);
    error CheckpointDatasetMismatch(bytes32 runId, uint256 expected, uint256 given);
    error CheckpointForkOrBreak(bytes32 runId, uint256 expected, uint256 given);
    error CheckpointStartMismatch(bytes32 runId, uint256 expected, uint256 given);
    error RunNotOpen(bytes32 runId);
    error InvalidStartWeights(uint256 startWeights);
    error AggregateMemberCount(uint256 expected, uint256 given);
    error AggregateInputNotAnchored(uint256 member);
    error AggregateInputMismatch(uint256 member);
    error AggregateRoundMismatch(uint256 member);
    error AggregateDuplicateMember(uint256 member, address institution);
    error AggregateUnknownRound(uint256 previousModel);
    error DatasetErased(address institution, uint256 commitment, uint256 erasedInto);
    error InvalidLeaf(uint256 leaf);
    error ErasureRequestCount(uint256 expected, uint256 given);
    error ErasureRequestNotFound(uint256 requestId);
    error ErasureRequestOtherInstitution(uint256 requestId, address owner);
    error ErasureRequestOtherDataset(uint256 requestId, uint256 dataset);
    error ErasureRequestAnswered(uint256 requestId, uint256 answeredAt);
    error ErasureLeafMismatch(uint256 requestId, uint256 expected, uint256 given);
    error ErasureRequestRefuted(uint256 requestId, uint256 refutedAt);
    error ErasureLeafNotInProof(uint256 requestId, uint256 leaf);
    error ValiditySchemaMismatch(uint256 expected, uint256 given);

    // ------------------------------------------------------------------ events

    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);
    event InstitutionRegistered(address indexed institution, string name);
    event InstitutionRevoked(address indexed institution);
    event CircuitRegistered(
        bytes32 indexed circuitId,
        address indexed verifier,
        uint256 nPublic,
        uint256 kind,
        uint256 trainingBlockInput,
        bytes32 circuitHash,
        uint256 specDigest,
        uint256 publicStart,
        string description
    );
    event DatasetAnchored(
        uint256 indexed commitment, address indexed institution, bytes32 metadataHash, uint256 expiresAt
    );
    event TrainingAnchored(
        bytes32 indexed statementHash, address indexed institution, uint256 indexed datasetCommitment, bytes32 circuitId
    );
    event OptimisticAnchored(
        bytes32 indexed statementHash,
        address indexed institution,
        uint256 indexed datasetCommitment,
        bytes32 circuitId,
        bytes32 proofHash
    );
    /// A run declared by openRun: `total` segments of `circuitId` over `datasetCommitment` from
    /// C_W0 = `startWeights`.
    event RunOpened(
        bytes32 indexed runId,
        address indexed institution,
        uint256 indexed datasetCommitment,
        bytes32 circuitId,
        uint256 total,
        uint256 startWeights
    );
    /// One per segment, after its TrainingAnchored or OptimisticAnchored event (which name its
    /// dataset and circuit); the run's total and last C_W are in the run view and the calldata.
    event SegmentAnchored(bytes32 indexed runId, address indexed institution, uint256 index, bytes32 statementHash);
    event AggregateAnchored(
        bytes32 indexed statementHash,
        address indexed aggregator,
        bytes32 indexed circuitId,
        uint256 previousModel,
        uint256 globalModel,
        bytes32[] members
    );
    event AnchorChallenged(bytes32 indexed statementHash, address indexed challenger, uint256 deadline);
    event AnchorResolved(bytes32 indexed statementHash, address indexed resolver, bool valid);
    event AnchorExpired(bytes32 indexed statementHash, address indexed caller);
    event ErasureRequested(
        uint256 indexed requestId,
        address indexed owner,
        uint256 indexed datasetCommitment,
        uint256 leaf,
        address requester,
        uint256 deadline
    );
    /// After the DatasetAnchored event of C_D' (which carries C_D's retention expiry).
    event ErasureAnchored(
        bytes32 indexed statementHash,
        address indexed institution,
        uint256 indexed datasetCommitment,
        uint256 newCommitment,
        bytes32 circuitId,
        uint256[] requestIds
    );
    /// A refutation: the requests name leaves that no record of `datasetCommitment` has.
    event ErasureRefuted(
        bytes32 indexed statementHash,
        address indexed institution,
        uint256 indexed datasetCommitment,
        bytes32 circuitId,
        uint256[] requestIds
    );
    event ValidityAnchored(
        bytes32 indexed statementHash,
        address indexed institution,
        uint256 indexed datasetCommitment,
        bytes32 circuitId,
        uint256 schemaDigest
    );

    // ------------------------------------------------------------------ admin

    constructor(uint256 challengeWindow_, uint256 erasureDeadline_) {
        if (challengeWindow_ == 0) revert InvalidChallengeWindow();
        if (erasureDeadline_ == 0 || erasureDeadline_ > type(uint40).max) revert InvalidErasureDeadline();
        admin = msg.sender;
        challengeWindow = challengeWindow_;
        erasureDeadline = erasureDeadline_;
        emit AdminTransferred(address(0), msg.sender);
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @notice Start handing the admin role to `newAdmin`, who must call acceptAdmin.
    ///         Passing the zero address cancels a pending transfer.
    function transferAdmin(address newAdmin) external onlyAdmin {
        pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @notice Complete a transfer started by transferAdmin.
    function acceptAdmin() external {
        if (msg.sender != pendingAdmin || msg.sender == address(0)) revert NotPendingAdmin(msg.sender);
        emit AdminTransferred(admin, msg.sender);
        admin = msg.sender;
        pendingAdmin = address(0);
    }

    /// @notice Register (or reinstate a revoked) institution; `name` goes to the event only.
    function registerInstitution(address who, string calldata name) external onlyAdmin {
        if (who == address(0)) revert ZeroAddress();
        Institution storage inst = _institutions[who];
        if (inst.status == InstitutionStatus.Active) revert InstitutionAlreadyRegistered(who);
        if (inst.status == InstitutionStatus.None) _institutionList.push(who);
        inst.status = InstitutionStatus.Active;
        inst.since = uint40(block.number);
        emit InstitutionRegistered(who, name);
    }

    /// @notice Revoke an institution: it can anchor nothing new; what it anchored stays.
    function revokeInstitution(address who) external onlyAdmin {
        Institution storage inst = _institutions[who];
        if (inst.status == InstitutionStatus.None) revert UnregisteredInstitution(who);
        if (inst.status == InstitutionStatus.Revoked) revert RevokedInstitution(who);
        inst.status = InstitutionStatus.Revoked;
        inst.since = uint40(block.number);
        emit InstitutionRevoked(who);
    }

    /// @notice Register the verifier of a circuit once and for all (a circuit id is never
    ///         re-pointed, so existing anchors keep their meaning), with the circuit hash its
    ///         key is bound to, the spec digest, the kind and (training only) the public start.
    ///         `description` is emitted; its keccak256 is stored.
    function registerCircuit(
        bytes32 circuitId,
        address verifier,
        uint16 nPublic,
        uint8 kind,
        uint8 trainingBlockInput,
        bytes32 circuitHash,
        uint256 specDigest,
        uint256 publicStart,
        string calldata description
    ) external onlyAdmin {
        if (circuitId == bytes32(0)) revert InvalidCircuitId();
        if (_circuits[circuitId].verifier != address(0)) revert CircuitAlreadyRegistered(circuitId);
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        if (kind == KIND_TRAINING) {
            if (nPublic < MIN_PUBLIC_INPUTS) revert TooFewPublicInputs(nPublic, MIN_PUBLIC_INPUTS);
            if (trainingBlockInput != 0 && (trainingBlockInput < MIN_PUBLIC_INPUTS || trainingBlockInput >= nPublic)) {
                revert InvalidTrainingBlockInput(trainingBlockInput, nPublic);
            }
            if (publicStart >= FIELD_MODULUS) revert InvalidPublicStart(publicStart);
        } else if (kind >= KIND_AGGREGATION && kind <= KIND_NONMEMBERSHIP) {
            uint256 minimum = kind == KIND_AGGREGATION
                ? MIN_AGGREGATE_INPUTS
                : (kind == KIND_ERASURE
                    ? MIN_ERASURE_INPUTS
                    : (kind == KIND_VALIDITY ? MIN_VALIDITY_INPUTS : MIN_NONMEMBERSHIP_INPUTS));
            if (nPublic < minimum) revert TooFewPublicInputs(nPublic, minimum);
            if (trainingBlockInput != 0) revert InvalidTrainingBlockInput(trainingBlockInput, nPublic);
            if (publicStart != 0) revert InvalidPublicStart(publicStart);
        } else {
            revert InvalidCircuitKind(kind);
        }
        if (circuitHash == bytes32(0)) revert InvalidCircuitHash();
        if (specDigest == 0 || specDigest >= FIELD_MODULUS) revert InvalidSpecDigest(specDigest);
        bytes4 selector = _verifierSelector(nPublic);
        // A verifier with another input count has another selector and no fallback: probing
        // with an all-zero proof must come back with a 32-byte answer (false).
        (bool ok, bytes memory answer) =
            verifier.staticcall(abi.encodePacked(selector, new uint256[](8 + uint256(nPublic))));
        if (!ok || answer.length != 32) revert VerifierInterfaceMismatch(verifier, nPublic);

        _circuits[circuitId] =
            Circuit(verifier, nPublic, trainingBlockInput, kind, selector, uint32(_circuitList.length));
        bytes32 descriptionHash = keccak256(bytes(description));
        _circuitMeta[circuitId] =
            CircuitMeta(specDigest, publicStart, circuitHash, descriptionHash, uint40(block.number));
        _circuitList.push(circuitId);
        emit CircuitRegistered(
            circuitId,
            verifier,
            nPublic,
            kind,
            trainingBlockInput,
            circuitHash,
            specDigest,
            publicStart,
            description
        );
    }

    // ------------------------------------------------------------------ datasets

    /// @notice Anchor a dataset commitment (a field element) in the sender's namespace before
    ///         training on it, with an optional metadata hash and retention expiry (0 = none).
    function anchorDataset(uint256 commitment, bytes32 metadataHash, uint40 expiresAt) external {
        Institution storage inst = _activeInstitution();
        if (commitment == 0 || commitment >= FIELD_MODULUS) revert InvalidCommitment(commitment);
        if (expiresAt != 0 && expiresAt <= block.timestamp) revert InvalidExpiry(expiresAt, block.timestamp);
        Dataset storage d = _datasets[msg.sender][commitment];
        if (d.blockNumber != 0) revert DatasetAlreadyAnchored(commitment, msg.sender);
        uint256[] storage list = _datasetsOf[msg.sender];
        _datasets[msg.sender][commitment] =
            Dataset(uint40(block.number), uint40(block.timestamp), expiresAt, 0, uint32(list.length), 0, 0);
        if (metadataHash != bytes32(0)) _datasetMetadata[msg.sender][commitment] = metadataHash;
        list.push(commitment);
        inst.datasetCount += 1;
        emit DatasetAnchored(commitment, msg.sender, metadataHash, expiresAt);
    }

    // ------------------------------------------------------------------ training anchors

    /// @notice Verified anchoring: the proof is checked now and the statement recorded only if valid.
    /// @return statementHash keccak256(abi.encode(circuitId, inputs)), the anchor's id
    function anchorTraining(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs
    ) external returns (bytes32 statementHash) {
        Circuit memory cir;
        (statementHash, cir,) = _checkTraining(circuitId, inputs);
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        _recordTraining(statementHash, inputs[1], AnchorKind.Verified, AnchorStatus.Valid, true);
        emit TrainingAnchored(statementHash, msg.sender, inputs[1], circuitId);
    }

    /// @notice Optimistic anchoring: the statement is checked like a verified one, but only
    ///         its hash and the hash of the proof to be revealed are stored (no pairing paid).
    function anchorOptimistic(bytes32 circuitId, uint256[] calldata inputs, bytes32 proofHash_)
        external
        returns (bytes32 statementHash)
    {
        if (proofHash_ == bytes32(0)) revert ZeroProofHash();
        (statementHash,,) = _checkTraining(circuitId, inputs);
        _recordOptimistic(statementHash, circuitId, inputs[1], proofHash_, true);
    }

    /// @notice Declare the sender's checkpoint run `runId` when training starts: `total` segments
    ///         of the training circuit `circuitId` over the sender's dataset `datasetCommitment`
    ///         (anchored in an earlier block, not erased), from the weights whose commitment is
    ///         `startWeights` (the circuit's public start, when it has one).  Segments 0..total-1
    ///         then extend it (anchorSegment, anchorSegmentOptimistic).  The run counts once on
    ///         its dataset's anchorCount.
    function openRun(bytes32 runId, bytes32 circuitId, uint256 datasetCommitment, uint256 total, uint256 startWeights)
        external
    {
        _activeInstitution();
        if (runId == bytes32(0)) revert InvalidRunId();
        if (total == 0 || total > MAX_SEGMENTS) revert InvalidSegmentTotal(total);
        Run storage r = _runs[msg.sender][runId];
        if (r.total != 0) revert CheckpointFork(runId, 0);
        Circuit memory cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_TRAINING) revert WrongCircuitKind(circuitId, cir.kind);
        // Non-zero also keeps the first segment's update of lastWeights an update (2.9k, not 20k).
        if (startWeights == 0 || startWeights >= FIELD_MODULUS) revert InvalidStartWeights(startWeights);
        uint256 start = _circuitMeta[circuitId].publicStart;
        if (start != 0 && startWeights != start) revert CheckpointStartMismatch(runId, start, startWeights);
        Dataset storage d = _datasets[msg.sender][datasetCommitment];
        uint256 anchoredAt = d.blockNumber;
        if (anchoredAt == 0) revert DatasetNotAnchored(msg.sender, datasetCommitment);
        if (d.erasedAt != 0) {
            revert DatasetErased(msg.sender, datasetCommitment, _datasetsOf[msg.sender][d.erasedInto]);
        }
        if (anchoredAt >= block.number) revert DatasetNotAnchoredEarlier(datasetCommitment, anchoredAt);
        _runs[msg.sender][runId] =
            Run(cir.index, d.index, uint24(total), 0, uint40(block.number), 0, startWeights);
        d.anchorCount += 1;
        emit RunOpened(runId, msg.sender, datasetCommitment, circuitId, total, startWeights);
    }

    /// @notice Verified anchoring of segment `index` (of `total`) of the sender's checkpoint run
    ///         `runId`, which openRun declared: a training anchor that also extends the run (see
    ///         the header for the rules).
    function anchorSegment(
        bytes32 circuitId,
        bytes32 runId,
        uint256 index,
        uint256 total,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs
    ) external returns (bytes32 statementHash) {
        Circuit memory cir;
        Dataset memory d;
        (statementHash, cir, d) = _checkTraining(circuitId, inputs);
        _advanceRun(circuitId, cir, d, runId, index, total, inputs);
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        _recordTraining(statementHash, inputs[1], AnchorKind.Verified, AnchorStatus.Valid, false);
        emit TrainingAnchored(statementHash, msg.sender, inputs[1], circuitId);
        emit SegmentAnchored(runId, msg.sender, index, statementHash);
    }

    /// @notice Optimistic anchoring of a segment: checked like anchorSegment, proof revealed later.
    function anchorSegmentOptimistic(
        bytes32 circuitId,
        bytes32 runId,
        uint256 index,
        uint256 total,
        uint256[] calldata inputs,
        bytes32 proofHash_
    ) external returns (bytes32 statementHash) {
        if (proofHash_ == bytes32(0)) revert ZeroProofHash();
        Circuit memory cir;
        Dataset memory d;
        (statementHash, cir, d) = _checkTraining(circuitId, inputs);
        _advanceRun(circuitId, cir, d, runId, index, total, inputs);
        _recordOptimistic(statementHash, circuitId, inputs[1], proofHash_, false);
        emit SegmentAnchored(runId, msg.sender, index, statementHash);
    }

    // ------------------------------------------------------------------ aggregates

    /// @notice Anchor a federated-averaging round: the aggregator's proof that C_G averages the
    ///         members' models.  memberCircuits[i] and memberInputs[i] name member i's anchored
    ///         training statement, whose C_W must be input[2 + i] and whose C_W0 must be C_prev.
    function anchorAggregate(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs,
        bytes32[] calldata memberCircuits,
        uint256[][] calldata memberInputs
    ) external returns (bytes32 statementHash) {
        _activeInstitution();
        Circuit memory cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_AGGREGATION) revert WrongCircuitKind(circuitId, cir.kind);
        _checkInputs(cir, inputs);
        uint256 k = inputs.length - 3;
        if (memberCircuits.length != k) revert AggregateMemberCount(k, memberCircuits.length);
        if (memberInputs.length != k) revert AggregateMemberCount(k, memberInputs.length);
        statementHash = keccak256(abi.encode(circuitId, inputs));
        if (_anchors[statementHash].kind != AnchorKind.None) revert StatementAlreadyAnchored(statementHash);

        uint256 previousModel = inputs[1];
        bool knownRound = _aggregateModels[msg.sender][previousModel];
        bytes32[] memory members = new bytes32[](k);
        address[] memory who = new address[](k);
        for (uint256 i = 0; i < k; ++i) {
            (bytes32 member, address owner) =
                _checkMember(i, memberCircuits[i], memberInputs[i], inputs[2 + i], previousModel, knownRound);
            for (uint256 j = 0; j < i; ++j) {
                if (who[j] == owner) revert AggregateDuplicateMember(i, owner);
            }
            members[i] = member;
            who[i] = owner;
        }
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        _anchors[statementHash] = Anchor(
            msg.sender, uint40(block.number), uint32(block.timestamp), AnchorKind.Verified, AnchorStatus.Valid, KIND_AGGREGATION
        );
        uint256 globalModel = inputs[k + 2];
        _aggregateModels[msg.sender][globalModel] = true;
        emit AggregateAnchored(statementHash, msg.sender, circuitId, previousModel, globalModel, members);
    }

    // ------------------------------------------------------------------ data subjects' rights

    /// @notice File an erasure request to `owner` about its dataset `datasetCommitment`, naming
    ///         the record's leaf (from the subject's receipt; never 0 nor the TOMBSTONE).  Anyone
    ///         may file one.
    /// @return requestId the request's id; it is due by block.number + erasureDeadline
    function requestErasure(address owner, uint256 datasetCommitment, uint256 leaf)
        external
        returns (uint256 requestId)
    {
        if (_datasets[owner][datasetCommitment].blockNumber == 0) revert DatasetNotAnchored(owner, datasetCommitment);
        if (leaf == 0 || leaf >= FIELD_MODULUS || leaf == TOMBSTONE) revert InvalidLeaf(leaf);
        requestId = ++erasureRequestCount;
        _erasureRequests[requestId] = ErasureRequest(owner, uint40(block.number), 0, false, datasetCommitment, leaf);
        emit ErasureRequested(requestId, owner, datasetCommitment, leaf, msg.sender, block.number + erasureDeadline);
    }

    /// @notice Answer erasure requests with a verified erasure proof: C_D' (input 2) is C_D
    ///         (input 1) with exactly the leaves L_1..L_k (inputs 3..) tombstoned, and
    ///         requestIds[j] is a pending request to the sender about C_D (or a dataset C_D
    ///         descends from by erasure) naming L_{j+1}.  C_D' becomes the sender's dataset and
    ///         C_D is marked erased (see the header).
    /// @return statementHash keccak256(abi.encode(circuitId, inputs))
    function anchorErasure(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs,
        uint256[] calldata requestIds
    ) external returns (bytes32 statementHash) {
        Institution storage inst = _activeInstitution();
        Circuit memory cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_ERASURE) revert WrongCircuitKind(circuitId, cir.kind);
        _checkInputs(cir, inputs);
        uint256 k = inputs.length - 3;
        if (requestIds.length != k) revert ErasureRequestCount(k, requestIds.length);
        uint256 commitment = inputs[1];
        uint256 next = inputs[2];
        Dataset memory d = _datasets[msg.sender][commitment];
        if (d.blockNumber == 0) revert DatasetNotAnchored(msg.sender, commitment);
        // An erased dataset was erased once: the same statement cannot come twice either.
        if (d.erasedAt != 0) revert DatasetErased(msg.sender, commitment, _datasetsOf[msg.sender][d.erasedInto]);
        if (next == 0 || next == commitment) revert InvalidCommitment(next);
        if (_datasets[msg.sender][next].blockNumber != 0) revert DatasetAlreadyAnchored(next, msg.sender);
        statementHash = keccak256(abi.encode(circuitId, inputs));
        for (uint256 j = 0; j < k; ++j) {
            _answerRequest(requestIds[j], commitment, inputs[3 + j]);
        }
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);

        _anchors[statementHash] = Anchor(
            msg.sender, uint40(block.number), uint32(block.timestamp), AnchorKind.Verified, AnchorStatus.Valid, KIND_ERASURE
        );
        uint256[] storage list = _datasetsOf[msg.sender];
        uint32 position = uint32(list.length);
        _datasets[msg.sender][next] =
            Dataset(uint40(block.number), uint40(block.timestamp), d.expiresAt, 0, position, 0, 0);
        list.push(next);
        inst.datasetCount += 1;
        _erasedFrom[msg.sender][next] = commitment;
        Dataset storage erased = _datasets[msg.sender][commitment];
        erased.erasedAt = uint40(block.number);
        erased.erasedInto = position;
        emit DatasetAnchored(next, msg.sender, bytes32(0), d.expiresAt);
        emit ErasureAnchored(statementHash, msg.sender, commitment, next, circuitId, requestIds);
    }

    /// @notice Refute erasure requests with a verified non-membership proof: no record of C_D
    ///         (input 1) has any of the leaves L_1..L_m (inputs 2..), and each requestIds[j] is a
    ///         pending request to the sender about exactly C_D whose leaf is among them.  The
    ///         requests are marked refuted (see the header); nothing else changes.
    /// @return statementHash keccak256(abi.encode(circuitId, inputs)) (stored nowhere: in the event)
    function refuteErasure(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs,
        uint256[] calldata requestIds
    ) external returns (bytes32 statementHash) {
        _activeInstitution();
        Circuit memory cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_NONMEMBERSHIP) revert WrongCircuitKind(circuitId, cir.kind);
        _checkInputs(cir, inputs);
        uint256 k = requestIds.length;
        if (k == 0) revert ErasureRequestCount(1, 0);
        uint256 commitment = inputs[1];
        for (uint256 j = 0; j < k; ++j) {
            _refuteRequest(requestIds[j], commitment, inputs);
        }
        statementHash = keccak256(abi.encode(circuitId, inputs));
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        emit ErasureRefuted(statementHash, msg.sender, commitment, circuitId, requestIds);
    }

    /// @notice Anchor a verified validity statement about the sender's dataset C_D (input 1):
    ///         its data satisfies the schema whose digest is input 2 (the circuit's spec digest).
    function anchorValidity(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs
    ) external returns (bytes32 statementHash) {
        _activeInstitution();
        Circuit memory cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_VALIDITY) revert WrongCircuitKind(circuitId, cir.kind);
        _checkInputs(cir, inputs);
        uint256 schema = _circuitMeta[circuitId].specDigest;
        if (inputs[2] != schema) revert ValiditySchemaMismatch(schema, inputs[2]);
        uint256 commitment = inputs[1];
        if (_datasets[msg.sender][commitment].blockNumber == 0) revert DatasetNotAnchored(msg.sender, commitment);
        statementHash = keccak256(abi.encode(circuitId, inputs));
        if (_anchors[statementHash].kind != AnchorKind.None) revert StatementAlreadyAnchored(statementHash);
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        _anchors[statementHash] = Anchor(
            msg.sender, uint40(block.number), uint32(block.timestamp), AnchorKind.Verified, AnchorStatus.Valid, KIND_VALIDITY
        );
        Validity storage v = _validity[msg.sender][commitment];
        v.statementHash = statementHash;
        v.blockNumber = uint40(block.number);
        v.circuitIndex = cir.index;
        v.claims += 1;
        emit ValidityAnchored(statementHash, msg.sender, commitment, circuitId, schema);
    }

    // ------------------------------------------------------------------ optimistic settlement

    /// @notice Anyone may challenge a pending optimistic anchor: its proof must then be revealed
    ///         (resolve) within `challengeWindow` blocks or anyone may expire it.
    function challenge(bytes32 statementHash) external returns (uint256 deadline) {
        Anchor storage an = _optimistic(statementHash);
        if (an.status == AnchorStatus.Challenged) {
            revert AlreadyChallenged(statementHash, _challengeDeadlines[statementHash]);
        }
        if (an.status != AnchorStatus.Pending) revert AnchorSettled(statementHash, an.status);
        deadline = block.number + challengeWindow;
        an.status = AnchorStatus.Challenged;
        _challengeDeadlines[statementHash] = deadline;
        emit AnchorChallenged(statementHash, msg.sender, deadline);
    }

    /// @notice Reveal the committed proof of an optimistic anchor; anyone may call it.  The
    ///         anchor becomes Valid or Invalid according to the verifier.
    function resolve(
        bytes32 circuitId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs
    ) external returns (bool valid) {
        bytes32 statementHash = keccak256(abi.encode(circuitId, inputs));
        Anchor storage an = _optimistic(statementHash);
        AnchorStatus status = an.status;
        if (status == AnchorStatus.Challenged) {
            uint256 deadline = _challengeDeadlines[statementHash];
            if (block.number > deadline) revert ChallengeWindowClosed(statementHash, deadline);
        } else if (status != AnchorStatus.Pending) {
            revert AnchorSettled(statementHash, status);
        }
        bytes32 committed = _proofHashes[statementHash];
        bytes32 given = keccak256(abi.encode(a, b, c));
        if (given != committed) revert ProofHashMismatch(committed, given);
        // The statement matched an anchor, so its circuit exists and inputs fit it.
        valid = _verify(_circuits[circuitId], a, b, c, inputs);
        an.status = valid ? AnchorStatus.Valid : AnchorStatus.Invalid;
        emit AnchorResolved(statementHash, msg.sender, valid);
    }

    /// @notice Mark Invalid a challenged anchor whose proof was not revealed in time.
    function expire(bytes32 statementHash) external {
        Anchor storage an = _optimistic(statementHash);
        if (an.status != AnchorStatus.Challenged) {
            if (an.status == AnchorStatus.Pending) revert NotChallenged(statementHash);
            revert AnchorSettled(statementHash, an.status);
        }
        uint256 deadline = _challengeDeadlines[statementHash];
        if (block.number <= deadline) revert ChallengeWindowOpen(statementHash, deadline);
        an.status = AnchorStatus.Invalid;
        emit AnchorExpired(statementHash, msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @notice An institution's status, the block it got it, and how many datasets it anchored.
    function institution(address who)
        external
        view
        returns (InstitutionStatus status, uint256 since, uint256 datasetCount)
    {
        Institution memory inst = _institutions[who];
        return (inst.status, inst.since, inst.datasetCount);
    }

    /// @notice Every address ever registered, in registration order.
    function institutions() external view returns (address[] memory) {
        return _institutionList;
    }

    /// @notice A circuit's record (verifier zero = not registered).
    function circuit(bytes32 circuitId)
        external
        view
        returns (
            address verifier,
            uint256 nPublic,
            uint256 kind,
            uint256 trainingBlockInput,
            bytes32 circuitHash,
            uint256 specDigest,
            uint256 publicStart,
            bytes32 descriptionHash,
            uint256 registeredAt
        )
    {
        Circuit memory cir = _circuits[circuitId];
        CircuitMeta memory meta = _circuitMeta[circuitId];
        return (
            cir.verifier,
            cir.nPublic,
            cir.kind,
            cir.trainingBlockInput,
            meta.circuitHash,
            meta.specDigest,
            meta.publicStart,
            meta.descriptionHash,
            meta.registeredAt
        );
    }

    /// @notice Every registered circuit id, in registration order.
    function circuitIds() external view returns (bytes32[] memory) {
        return _circuitList;
    }

    /// @notice `owner`'s anchor of a dataset commitment (blockNumber 0 = not anchored by it):
    ///         when, its retention expiry, its metadata, how many training anchors rest on it (a
    ///         checkpoint run counts once, from its openRun), and its erasures: the block it was
    ///         erased in and the commitment it was erased into (0, 0 = not erased), and the
    ///         commitment it was erased from (0 = none).
    function dataset(address owner, uint256 commitment)
        external
        view
        returns (
            uint256 blockNumber,
            uint256 timestamp,
            uint256 expiresAt,
            bytes32 metadataHash,
            uint256 anchorCount,
            uint256 erasedAt,
            uint256 erasedInto,
            uint256 erasedFrom
        )
    {
        Dataset memory d = _datasets[owner][commitment];
        return (
            d.blockNumber,
            d.timestamp,
            d.expiresAt,
            _datasetMetadata[owner][commitment],
            d.anchorCount,
            d.erasedAt,
            d.erasedAt != 0 ? _datasetsOf[owner][d.erasedInto] : 0,
            _erasedFrom[owner][commitment]
        );
    }

    /// @notice Erasure request `requestId` (status None = no such request).  Overdue: pending
    ///         while block.number is past its deadline.  answeredAt is the block of the answer,
    ///         or of the refutation when the status is Refuted.
    function erasureRequest(uint256 requestId)
        external
        view
        returns (
            address owner,
            uint256 datasetCommitment,
            uint256 leaf,
            uint256 filedAt,
            uint256 deadline,
            uint256 answeredAt,
            ErasureStatus status
        )
    {
        ErasureRequest memory r = _erasureRequests[requestId];
        if (r.owner == address(0)) return (address(0), 0, 0, 0, 0, 0, ErasureStatus.None);
        deadline = uint256(r.filedAt) + erasureDeadline;
        if (r.answeredAt != 0) status = r.refuted ? ErasureStatus.Refuted : ErasureStatus.Answered;
        else status = block.number > deadline ? ErasureStatus.Overdue : ErasureStatus.Pending;
        return (r.owner, r.dataset, r.leaf, r.filedAt, deadline, r.answeredAt, status);
    }

    /// @notice The latest validity claim about `owner`'s dataset (claims 0 = none): the schema
    ///         digest, its statement hash, circuit and block, and how many claims were anchored.
    function validity(address owner, uint256 commitment)
        external
        view
        returns (uint256 schemaDigest, bytes32 statementHash, bytes32 circuitId, uint256 blockNumber, uint256 claims)
    {
        Validity memory v = _validity[owner][commitment];
        if (v.claims == 0) return (0, bytes32(0), bytes32(0), 0, 0);
        circuitId = _circuitList[v.circuitIndex];
        return (_circuitMeta[circuitId].specDigest, v.statementHash, circuitId, v.blockNumber, v.claims);
    }

    /// @notice The dataset commitments an institution anchored, oldest first.  Its training
    ///         anchors are the TrainingAnchored/OptimisticAnchored events with it as a topic.
    function datasetsOf(address who) external view returns (uint256[] memory) {
        return _datasetsOf[who];
    }

    /// @notice One anchor by its statement hash (kind None = never anchored).
    function anchor(bytes32 statementHash)
        external
        view
        returns (
            address owner,
            AnchorKind kind,
            AnchorStatus status,
            uint256 blockNumber,
            uint256 timestamp,
            bytes32 proofHash,
            uint256 challengeDeadline,
            uint256 circuitKind
        )
    {
        Anchor memory an = _anchors[statementHash];
        return (
            an.institution,
            an.kind,
            an.status,
            an.blockNumber,
            an.timestamp,
            _proofHashes[statementHash],
            _challengeDeadlines[statementHash],
            an.circuitKind
        );
    }

    /// @notice `owner`'s checkpoint run `runId` (total 0 = never opened): its circuit and dataset,
    ///         its declared number of segments, how many are anchored (the next one's index), the
    ///         last segment's C_W (startWeights while there is none) and block (0 = none), and the
    ///         block openRun declared it in.  Its startWeights are in the RunOpened event.
    function run(address owner, bytes32 runId)
        external
        view
        returns (
            bytes32 circuitId,
            uint256 datasetCommitment,
            uint256 total,
            uint256 segments,
            uint256 lastWeights,
            uint256 lastBlock,
            uint256 openedAt
        )
    {
        Run memory r = _runs[owner][runId];
        if (r.total == 0) return (bytes32(0), 0, 0, 0, 0, 0, 0);
        return (
            _circuitList[r.circuitIndex],
            _datasetsOf[owner][r.datasetIndex],
            r.total,
            r.segments,
            r.lastWeights,
            r.lastBlock,
            r.openedAt
        );
    }

    /// @notice Whether `aggregator` anchored an aggregate whose new global model is `model`
    ///         (such a model may be C_prev of its next round).
    function isAggregateModel(address aggregator, uint256 model) external view returns (bool) {
        return _aggregateModels[aggregator][model];
    }

    /// @notice The statement hash anchors are keyed on.
    function statementHashOf(bytes32 circuitId, uint256[] calldata inputs) external pure returns (bytes32) {
        return keccak256(abi.encode(circuitId, inputs));
    }

    /// @notice The proof hash an optimistic anchor commits to.
    function proofHashOf(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(a, b, c));
    }

    /// @notice Gas the registry hands a verifier with `nPublic` inputs.
    function verifierGas(uint256 nPublic) public pure returns (uint256) {
        return VERIFIER_GAS_BASE + VERIFIER_GAS_PER_INPUT * nPublic;
    }

    // ------------------------------------------------------------------ internals

    function _activeInstitution() private view returns (Institution storage inst) {
        inst = _institutions[msg.sender];
        if (inst.status != InstitutionStatus.Active) {
            if (inst.status == InstitutionStatus.Revoked) revert RevokedInstitution(msg.sender);
            revert UnregisteredInstitution(msg.sender);
        }
    }

    /// Input count, range, and input[0] = the sender.
    function _checkInputs(Circuit memory cir, uint256[] calldata inputs) private view {
        uint256 n = inputs.length;
        if (n != cir.nPublic) revert WrongInputCount(cir.nPublic, n);
        for (uint256 i = 0; i < n; ++i) {
            if (inputs[i] >= FIELD_MODULUS) revert InputNotInField(i, inputs[i]);
        }
        if (inputs[0] != uint256(uint160(msg.sender))) revert InstitutionInputMismatch(msg.sender, inputs[0]);
    }

    /// Every check of a training statement but the proof's, shared by all its anchoring paths.
    function _checkTraining(bytes32 circuitId, uint256[] calldata inputs)
        private
        view
        returns (bytes32 statementHash, Circuit memory cir, Dataset memory d)
    {
        _activeInstitution();
        cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        if (cir.kind != KIND_TRAINING) revert WrongCircuitKind(circuitId, cir.kind);
        _checkInputs(cir, inputs);
        uint256 digest = _circuitMeta[circuitId].specDigest;
        if (inputs[4] != digest) revert SpecDigestMismatch(digest, inputs[4]);
        uint256 commitment = inputs[1];
        d = _datasets[msg.sender][commitment];
        if (d.blockNumber == 0) revert DatasetNotAnchored(msg.sender, commitment);
        if (d.erasedAt != 0) revert DatasetErased(msg.sender, commitment, _datasetsOf[msg.sender][d.erasedInto]);
        if (d.blockNumber >= block.number) revert DatasetNotAnchoredEarlier(commitment, d.blockNumber);
        if (cir.trainingBlockInput != 0) {
            uint256 claimed = inputs[cir.trainingBlockInput];
            if (claimed <= d.blockNumber || claimed > block.number) {
                revert TrainingBlockOutOfRange(claimed, d.blockNumber, block.number);
            }
        }
        statementHash = keccak256(abi.encode(circuitId, inputs));
        if (_anchors[statementHash].kind != AnchorKind.None) revert StatementAlreadyAnchored(statementHash);
    }

    /// Extend the sender's open run `runId` with a checked training statement: two slot updates.
    function _advanceRun(
        bytes32 circuitId,
        Circuit memory cir,
        Dataset memory d,
        bytes32 runId,
        uint256 index,
        uint256 total,
        uint256[] calldata inputs
    ) private {
        Run storage r = _runs[msg.sender][runId];
        uint256 runTotal = r.total;
        if (runTotal == 0) revert RunNotOpen(runId);
        if (total != runTotal) revert CheckpointTotalMismatch(runId, runTotal, total);
        if (index >= runTotal) revert CheckpointIndexOutOfRange(index, runTotal);
        uint256 next = r.segments;
        if (index < next) revert CheckpointFork(runId, index);
        if (index != next) revert CheckpointGap(runId, next, index);
        if (cir.index != r.circuitIndex) {
            revert CheckpointCircuitMismatch(runId, _circuitList[r.circuitIndex], circuitId);
        }
        if (d.index != r.datasetIndex) {
            revert CheckpointDatasetMismatch(runId, _datasetsOf[msg.sender][r.datasetIndex], inputs[1]);
        }
        uint256 lastWeights = r.lastWeights;
        if (inputs[2] != lastWeights) {
            // Segment 0 must start where openRun said the run starts.
            if (index == 0) revert CheckpointStartMismatch(runId, lastWeights, inputs[2]);
            revert CheckpointForkOrBreak(runId, lastWeights, inputs[2]);
        }
        r.segments = uint24(index + 1);
        r.lastBlock = uint40(block.number);
        r.lastWeights = inputs[3];
    }

    /// Mark request `id` answered by the sender's erasure of `commitment` that removes `leaf`.
    /// Per request: its slot 0 (owner, blocks), dataset and leaf are read, slot 0 is rewritten.
    function _answerRequest(uint256 id, uint256 commitment, uint256 leaf) private {
        ErasureRequest storage r = _erasureRequests[id];
        address owner = r.owner;
        if (owner == address(0)) revert ErasureRequestNotFound(id);
        if (owner != msg.sender) revert ErasureRequestOtherInstitution(id, owner);
        uint256 answered = r.answeredAt;
        if (answered != 0) {
            if (r.refuted) revert ErasureRequestRefuted(id, answered);
            revert ErasureRequestAnswered(id, answered);
        }
        uint256 named = r.dataset;
        if (named != commitment) {
            // Requests follow the data: one about a dataset that C_D descends from by erasure
            // still names a record of C_D (an erasure leaves every other leaf as it was).
            uint256 ancestor = commitment;
            do {
                ancestor = _erasedFrom[msg.sender][ancestor];
                if (ancestor == 0) revert ErasureRequestOtherDataset(id, named);
            } while (ancestor != named);
        }
        uint256 expected = r.leaf;
        if (expected != leaf) revert ErasureLeafMismatch(id, expected, leaf);
        r.answeredAt = uint40(block.number);
    }

    /// Mark request `id` refuted by the sender's non-membership proof about `commitment` whose
    /// leaves are inputs[2..]: a pending request to the sender about exactly that dataset, naming
    /// one of those leaves.  Per request: its three slots are read, slot 0 is rewritten.
    function _refuteRequest(uint256 id, uint256 commitment, uint256[] calldata inputs) private {
        ErasureRequest storage r = _erasureRequests[id];
        address owner = r.owner;
        if (owner == address(0)) revert ErasureRequestNotFound(id);
        if (owner != msg.sender) revert ErasureRequestOtherInstitution(id, owner);
        uint256 settled = r.answeredAt;
        if (settled != 0) {
            if (r.refuted) revert ErasureRequestRefuted(id, settled);
            revert ErasureRequestAnswered(id, settled);
        }
        // Its own dataset only: absence from a later C_D' says nothing of C_D.
        uint256 named = r.dataset;
        if (named != commitment) revert ErasureRequestOtherDataset(id, named);
        uint256 leaf = r.leaf;
        uint256 n = inputs.length;
        uint256 i = 2;
        while (inputs[i] != leaf) {
            if (++i == n) revert ErasureLeafNotInProof(id, leaf);
        }
        r.answeredAt = uint40(block.number);
        r.refuted = true;
    }

    /// Member i of an aggregate: a Valid anchored training statement whose C_W is the model the
    /// aggregate names and whose C_W0 is the round's C_prev, a known round or its circuit's start.
    function _checkMember(
        uint256 i,
        bytes32 memberCircuit,
        uint256[] calldata memberInputs,
        uint256 model,
        uint256 previousModel,
        bool knownRound
    ) private view returns (bytes32 member, address owner) {
        member = keccak256(abi.encode(memberCircuit, memberInputs));
        Anchor memory an = _anchors[member];
        if (an.circuitKind != KIND_TRAINING || an.status != AnchorStatus.Valid) revert AggregateInputNotAnchored(i);
        // An anchored training statement has at least MIN_PUBLIC_INPUTS inputs.
        if (memberInputs[3] != model) revert AggregateInputMismatch(i);
        if (memberInputs[2] != previousModel) revert AggregateRoundMismatch(i);
        if (!knownRound) {
            uint256 start = _circuitMeta[memberCircuit].publicStart;
            if (start == 0 || start != previousModel) revert AggregateUnknownRound(previousModel);
        }
        owner = an.institution;
    }

    /// `counted`: whether the dataset's anchorCount counts it (a checkpoint run counts once, in
    /// openRun: that saves every segment 2.9k gas of its 60k budget).
    function _recordTraining(
        bytes32 statementHash,
        uint256 commitment,
        AnchorKind kind,
        AnchorStatus status,
        bool counted
    ) private {
        _anchors[statementHash] =
            Anchor(msg.sender, uint40(block.number), uint32(block.timestamp), kind, status, KIND_TRAINING);
        // The dataset's slot is warm from the checks: counting costs 2.9k, listing would cost 22k.
        if (counted) _datasets[msg.sender][commitment].anchorCount += 1;
    }

    function _recordOptimistic(
        bytes32 statementHash,
        bytes32 circuitId,
        uint256 commitment,
        bytes32 proofHash_,
        bool counted
    ) private {
        _recordTraining(statementHash, commitment, AnchorKind.Optimistic, AnchorStatus.Pending, counted);
        _proofHashes[statementHash] = proofHash_;
        emit OptimisticAnchored(statementHash, msg.sender, commitment, circuitId, proofHash_);
    }

    function _optimistic(bytes32 statementHash) private view returns (Anchor storage anchor_) {
        anchor_ = _anchors[statementHash];
        if (anchor_.kind == AnchorKind.None) revert AnchorNotFound(statementHash);
        if (anchor_.kind != AnchorKind.Optimistic) revert NotOptimistic(statementHash);
    }

    /// Call the circuit's verifier with its fixed-size ABI.  Returns its answer; reverts if the
    /// call itself fails, so only a real `false` ever reaches the caller.
    function _verify(
        Circuit memory cir,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata inputs
    ) private view returns (bool valid) {
        uint256 gasForVerifier = verifierGas(inputs.length);
        // The callee gets at most 63/64 of what is left (EIP-150): make sure that covers it.
        uint256 needed = gasForVerifier + gasForVerifier / 63 + 5_000;
        if (gasleft() < needed) revert InsufficientGasForVerifier(needed, gasleft());
        address verifier = cir.verifier;
        bytes4 selector = cir.selector;
        bool ok;
        assembly ("memory-safe") {
            // Scratch use of the memory past the free pointer, which is left as it was.
            // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n]) has a static ABI:
            // selector then 8 + n words, copied straight from our calldata.
            let ptr := mload(0x40)
            let n := inputs.length
            mstore(ptr, selector)
            calldatacopy(add(ptr, 0x04), a, 0x40)
            calldatacopy(add(ptr, 0x44), b, 0x80)
            calldatacopy(add(ptr, 0xc4), c, 0x40)
            calldatacopy(add(ptr, 0x104), inputs.offset, mul(n, 0x20))
            ok := staticcall(gasForVerifier, verifier, ptr, add(0x104, mul(n, 0x20)), ptr, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            valid := eq(mload(ptr), 1)
        }
        if (!ok) revert VerifierCallFailed(verifier);
    }

    function _verifierSelector(uint256 n) private pure returns (bytes4) {
        return bytes4(
            keccak256(
                abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", _decimal(n), "])")
            )
        );
    }

    function _decimal(uint256 value) private pure returns (bytes memory out) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        out = new bytes(digits);
        for (; value != 0; value /= 10) out[--digits] = bytes1(uint8(48 + value % 10));
    }
}
