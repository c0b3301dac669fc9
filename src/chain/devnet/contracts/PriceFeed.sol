// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title PriceFeed
/// @notice A devnet price feed that answers like a Chainlink aggregator (AggregatorV3Interface,
/// plus the older latestAnswer / latestTimestamp / latestRound / getAnswer / getTimestamp).
/// Rounds are numbered 1, 2, 3, …; each is answered in itself (answeredInRound == roundId).
///
/// Storage layout:
///   slot 0  address owner
///   slot 1  address updater
///   slot 2  uint256 latestRound
///   slot 3  mapping(uint256 => Round) rounds   (Round = answer, startedAt, updatedAt: 3 slots)
///   slot 4  string description
/// `decimals` is immutable: it lives in the runtime code, not in storage.
contract PriceFeed {
    struct Round {
        int256 answer;
        uint256 startedAt;
        uint256 updatedAt;
    }

    address public owner; // slot 0
    address public updater; // slot 1
    uint256 public latestRound; // slot 2
    mapping(uint256 => Round) private rounds; // slot 3
    string public description; // slot 4
    uint8 public immutable decimals;

    /// Chainlink's AggregatorInterface events.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);
    event UpdaterSet(address indexed updater);

    /// The deployer becomes owner and updater; round 1 holds `initialAnswer`.
    constructor(uint8 decimals_, string memory description_, int256 initialAnswer) {
        decimals = decimals_;
        description = description_;
        owner = msg.sender;
        updater = msg.sender;
        _newRound(initialAnswer);
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    function updateAnswer(int256 answer) external {
        require(msg.sender == updater, "PriceFeed: caller is not the updater");
        _newRound(answer);
    }

    function setUpdater(address account) external {
        require(msg.sender == owner, "PriceFeed: caller is not the owner");
        updater = account;
        emit UpdaterSet(account);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(uint80(latestRound));
    }

    function getRoundData(uint80 roundId)
        public
        view
        returns (uint80, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round storage round = rounds[roundId];
        require(round.updatedAt != 0, "No data present");
        return (roundId, round.answer, round.startedAt, round.updatedAt, roundId);
    }

    function latestAnswer() external view returns (int256) {
        return rounds[latestRound].answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return rounds[latestRound].updatedAt;
    }

    /// Like Chainlink: 0 for a round that does not exist.
    function getAnswer(uint256 roundId) external view returns (int256) {
        return rounds[roundId].answer;
    }

    function getTimestamp(uint256 roundId) external view returns (uint256) {
        return rounds[roundId].updatedAt;
    }

    function _newRound(int256 answer) private {
        uint256 roundId = latestRound + 1;
        latestRound = roundId;
        rounds[roundId] = Round(answer, block.timestamp, block.timestamp);
        emit NewRound(roundId, msg.sender, block.timestamp);
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
