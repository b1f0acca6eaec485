// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title zkanchor registry: institutions, dataset commitments and training proofs
/// @notice An admin registers institutions and, per circuit, the Groth16 verifier that checks
///         its proofs.  Institutions anchor dataset commitments first, then training results
///         whose proof says "institution A, on the data committed in C_D, trained from C_W0 to
///         C_W with hyper-parameters H".  Public inputs follow the project-wide layout:
///           [0] the institution's address (uint160)   [1] the dataset commitment C_D
///           [2] C_W0   [3] C_W   [4] the hyper-parameter digest   [5..] optional clauses.
///
///         Rules (each refusal is a custom error):
///         - Everything is keyed on the statement hash keccak256(abi.encode(circuitId, inputs)),
///           never on proof bytes: Groth16 proofs are malleable ((-A, -B, C) verifies whenever
///           (A, B, C) does), so a malleated copy is the same statement and is refused.
///         - input[0] must be msg.sender: a proof seen in the mempool is useless to anyone else.
///         - The dataset in input[1] must have been anchored by msg.sender in a block strictly
///           before the training anchor's block.  That is all the chain itself can witness about
///           order.  A circuit may also expose a claimed training-start block as a public input
///           (trainingBlockInput != 0); it must then lie in (dataset block, current block].
///         - Verified anchoring runs the verifier and records the anchor only if it returns true.
///         - Optimistic anchoring stores the statement (checked exactly as above) and the hash
///           of the one proof the institution promises to reveal:
///             proofHash = keccak256(abi.encode(a, b, c))   (words exactly as verifyProof takes them,
///                                                           so b is in EIP-197 order)
///           Anyone may resolve it with (circuitId, a, b, c, inputs): the statement and the proof
///           hash must match, then the verifier's answer marks the anchor Valid or Invalid.  A
///           different proof, even a valid malleated one, is refused (ProofHashMismatch), so no
///           one can settle an anchor with a proof other than the committed one: a wrong proof
///           from a griefer cannot mark an honest anchor Invalid, and the institution cannot swap
///           in a better proof after the fact.  Anyone may also challenge a pending anchor;
///           if the committed proof is not revealed within `challengeWindow` blocks, anyone
///           may expire the anchor, which marks it Invalid.
///         - The verifier gets an explicit gas allowance and the call is refused if less than
///           that is available, so a caller cannot starve the verifier to turn a valid proof
///           into `false` (the verifier returns false, not revert, when a precompile runs dry).
///         - Admin: the deployer; two-step transfer (transferAdmin, then acceptAdmin by the new one).
contract ZkAnchorRegistry {
    string public constant VERSION = "1.0.0";

    /// BN254 scalar field modulus: public inputs must be reduced below it.
    uint256 public constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// The five inputs every training statement starts with.
    uint256 public constant MIN_PUBLIC_INPUTS = 5;
    /// Gas given to a verifier: the 4-pair pairing is 181,000 and each input's ecMul+ecAdd
    /// 6,150 (EIP-1108); the rest is a generous margin for the verifier's own code and for
    /// the 1/64 each precompile call withholds.
    uint256 public constant VERIFIER_GAS_BASE = 200_000;
    uint256 public constant VERIFIER_GAS_PER_INPUT = 7_000;

    enum InstitutionStatus { None, Active, Revoked }
    enum AnchorKind { None, Verified, Optimistic }
    enum AnchorStatus { None, Valid, Pending, Challenged, Invalid }

    // One storage slot each on the hot path: an anchor reads one slot per institution, circuit
    // and dataset and writes one new slot.  Lists of anchors by institution or dataset are not
    // kept in storage (22k gas an entry would break the 60k budget over the verifier call):
    // the events index them, with the institution, dataset and statement as topics.
    struct Institution {
        InstitutionStatus status;
        uint40 since; // block of the last registration or revocation
        uint32 datasetCount;
    }

    struct Circuit {
        address verifier;
        uint16 nPublic;
        uint8 trainingBlockInput; // 0 = none; else the index of a claimed training-start block
        bytes4 selector; // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[nPublic])
        uint40 registeredAt;
    }

    struct Dataset {
        address institution;
        uint40 blockNumber;
        uint32 timestamp;
        uint24 anchorCount; // training anchors resting on this dataset
    }

    struct Anchor {
        address institution;
        uint40 blockNumber;
        uint32 timestamp;
        AnchorKind kind;
        AnchorStatus status;
    }

    address public admin;
    address public pendingAdmin;
    /// Blocks the institution has to reveal its proof after an optimistic anchor is challenged.
    uint256 public immutable challengeWindow;

    mapping(address => Institution) private _institutions;
    address[] private _institutionList;
    mapping(bytes32 => Circuit) private _circuits;
    mapping(bytes32 => bytes32) private _circuitDescriptions;
    bytes32[] private _circuitList;
    mapping(uint256 => Dataset) private _datasets;
    mapping(uint256 => bytes32) private _datasetMetadata;
    mapping(address => uint256[]) private _datasetsOf;
    mapping(bytes32 => Anchor) private _anchors;
    mapping(bytes32 => bytes32) private _proofHashes; // optimistic anchors only
    mapping(bytes32 => uint256) private _challengeDeadlines; // challenged anchors only

    // ------------------------------------------------------------------ errors

    error NotAdmin(address caller);
    error NotPendingAdmin(address caller);
    error ZeroAddress();
    error InvalidChallengeWindow();
    error InstitutionAlreadyRegistered(address institution);
    error UnregisteredInstitution(address institution);
    error RevokedInstitution(address institution);
    error InvalidCircuitId();
    error CircuitAlreadyRegistered(bytes32 circuitId);
    error UnknownCircuit(bytes32 circuitId);
    error VerifierHasNoCode(address verifier);
    error VerifierInterfaceMismatch(address verifier, uint256 nPublic);
    error TooFewPublicInputs(uint256 nPublic, uint256 minimum);
    error InvalidTrainingBlockInput(uint256 index, uint256 nPublic);
    error InvalidCommitment(uint256 commitment);
    error DatasetAlreadyAnchored(uint256 commitment, address institution);
    error WrongInputCount(uint256 expected, uint256 given);
    error InputNotInField(uint256 index, uint256 value);
    error InstitutionInputMismatch(address sender, uint256 input0);
    error DatasetNotAnchored(uint256 commitment);
    error DatasetAnchoredByOther(uint256 commitment, address institution);
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

    // ------------------------------------------------------------------ events

    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);
    event InstitutionRegistered(address indexed institution, string name);
    event InstitutionRevoked(address indexed institution);
    event CircuitRegistered(
        bytes32 indexed circuitId,
        address indexed verifier,
        uint256 nPublic,
        uint256 trainingBlockInput,
        bytes32 descriptionHash,
        string description
    );
    event DatasetAnchored(uint256 indexed commitment, address indexed institution, bytes32 metadataHash);
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
    event AnchorChallenged(bytes32 indexed statementHash, address indexed challenger, uint256 deadline);
    event AnchorResolved(bytes32 indexed statementHash, address indexed resolver, bool valid);
    event AnchorExpired(bytes32 indexed statementHash, address indexed caller);

    // ------------------------------------------------------------------ admin

    constructor(uint256 challengeWindow_) {
        if (challengeWindow_ == 0) revert InvalidChallengeWindow();
        admin = msg.sender;
        challengeWindow = challengeWindow_;
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
    ///         re-pointed, so existing anchors keep their meaning).  `description` (model kind,
    ///         shape, hyper-parameter hash…) is emitted; its keccak256 is stored.
    function registerCircuit(
        bytes32 circuitId,
        address verifier,
        uint16 nPublic,
        uint8 trainingBlockInput,
        string calldata description
    ) external onlyAdmin {
        if (circuitId == bytes32(0)) revert InvalidCircuitId();
        if (_circuits[circuitId].verifier != address(0)) revert CircuitAlreadyRegistered(circuitId);
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        if (nPublic < MIN_PUBLIC_INPUTS) revert TooFewPublicInputs(nPublic, MIN_PUBLIC_INPUTS);
        if (trainingBlockInput != 0 && (trainingBlockInput < MIN_PUBLIC_INPUTS || trainingBlockInput >= nPublic)) {
            revert InvalidTrainingBlockInput(trainingBlockInput, nPublic);
        }
        bytes4 selector = _verifierSelector(nPublic);
        // A verifier with another input count has another selector and no fallback: probing
        // with an all-zero proof must come back with a 32-byte answer (false).
        (bool ok, bytes memory answer) =
            verifier.staticcall(abi.encodePacked(selector, new uint256[](8 + uint256(nPublic))));
        if (!ok || answer.length != 32) revert VerifierInterfaceMismatch(verifier, nPublic);

        _circuits[circuitId] = Circuit(verifier, nPublic, trainingBlockInput, selector, uint40(block.number));
        bytes32 descriptionHash = keccak256(bytes(description));
        _circuitDescriptions[circuitId] = descriptionHash;
        _circuitList.push(circuitId);
        emit CircuitRegistered(circuitId, verifier, nPublic, trainingBlockInput, descriptionHash, description);
    }

    // ------------------------------------------------------------------ datasets

    /// @notice Anchor a dataset commitment (a field element) before training on it.
    function anchorDataset(uint256 commitment, bytes32 metadataHash) external {
        Institution storage inst = _activeInstitution();
        if (commitment == 0 || commitment >= FIELD_MODULUS) revert InvalidCommitment(commitment);
        address owner = _datasets[commitment].institution;
        if (owner != address(0)) revert DatasetAlreadyAnchored(commitment, owner);
        _datasets[commitment] = Dataset(msg.sender, uint40(block.number), uint32(block.timestamp), 0);
        if (metadataHash != bytes32(0)) _datasetMetadata[commitment] = metadataHash;
        _datasetsOf[msg.sender].push(commitment);
        inst.datasetCount += 1;
        emit DatasetAnchored(commitment, msg.sender, metadataHash);
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
        uint256 commitment;
        (statementHash, cir, commitment) = _checkStatement(circuitId, inputs);
        if (!_verify(cir, a, b, c, inputs)) revert ProofRejected(statementHash);
        _record(statementHash, commitment, AnchorKind.Verified, AnchorStatus.Valid);
        emit TrainingAnchored(statementHash, msg.sender, commitment, circuitId);
    }

    /// @notice Optimistic anchoring: the statement is checked like a verified one, but only
    ///         its hash and the hash of the proof to be revealed are stored (no pairing paid).
    function anchorOptimistic(bytes32 circuitId, uint256[] calldata inputs, bytes32 proofHash_)
        external
        returns (bytes32 statementHash)
    {
        if (proofHash_ == bytes32(0)) revert ZeroProofHash();
        uint256 commitment;
        (statementHash,, commitment) = _checkStatement(circuitId, inputs);
        _record(statementHash, commitment, AnchorKind.Optimistic, AnchorStatus.Pending);
        _proofHashes[statementHash] = proofHash_;
        emit OptimisticAnchored(statementHash, msg.sender, commitment, circuitId, proofHash_);
    }

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

    /// @notice A circuit's verifier, input count, training-block input, description hash and
    ///         registration block (verifier zero = not registered).
    function circuit(bytes32 circuitId)
        external
        view
        returns (
            address verifier,
            uint256 nPublic,
            uint256 trainingBlockInput,
            bytes32 descriptionHash,
            uint256 registeredAt
        )
    {
        Circuit memory cir = _circuits[circuitId];
        return (cir.verifier, cir.nPublic, cir.trainingBlockInput, _circuitDescriptions[circuitId], cir.registeredAt);
    }

    /// @notice Every registered circuit id, in registration order.
    function circuitIds() external view returns (bytes32[] memory) {
        return _circuitList;
    }

    /// @notice Who anchored a dataset commitment, when, with what metadata, and how many
    ///         training anchors rest on it.
    function dataset(uint256 commitment)
        external
        view
        returns (address owner, uint256 blockNumber, uint256 timestamp, bytes32 metadataHash, uint256 anchorCount)
    {
        Dataset memory d = _datasets[commitment];
        return (d.institution, d.blockNumber, d.timestamp, _datasetMetadata[commitment], d.anchorCount);
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
            uint256 challengeDeadline
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
            _challengeDeadlines[statementHash]
        );
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

    /// Every check but the proof's, shared by both kinds of anchoring.
    function _checkStatement(bytes32 circuitId, uint256[] calldata inputs)
        private
        view
        returns (bytes32 statementHash, Circuit memory cir, uint256 commitment)
    {
        _activeInstitution();
        cir = _circuits[circuitId];
        if (cir.verifier == address(0)) revert UnknownCircuit(circuitId);
        uint256 n = inputs.length;
        if (n != cir.nPublic) revert WrongInputCount(cir.nPublic, n);
        for (uint256 i = 0; i < n; ++i) {
            if (inputs[i] >= FIELD_MODULUS) revert InputNotInField(i, inputs[i]);
        }
        if (inputs[0] != uint256(uint160(msg.sender))) revert InstitutionInputMismatch(msg.sender, inputs[0]);
        commitment = inputs[1];
        Dataset memory d = _datasets[commitment];
        if (d.institution == address(0)) revert DatasetNotAnchored(commitment);
        if (d.institution != msg.sender) revert DatasetAnchoredByOther(commitment, d.institution);
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

    function _record(bytes32 statementHash, uint256 commitment, AnchorKind kind, AnchorStatus status) private {
        _anchors[statementHash] =
            Anchor(msg.sender, uint40(block.number), uint32(block.timestamp), kind, status);
        // The dataset's slot is warm from the checks: counting costs 2.9k, listing would cost 22k.
        _datasets[commitment].anchorCount += 1;
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
        assembly {
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
