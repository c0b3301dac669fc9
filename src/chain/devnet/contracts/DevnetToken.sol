// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DevnetToken
/// @notice A plain ERC-20 that stands in for a real token on a local devnet (a "devnet copy").
///
/// STORAGE LAYOUT — a contract with src/chain, which restores balances by writing storage
/// directly (hardhat_setStorageAt). Do not reorder, insert or retype state variables:
///   slot 0  mapping(address => uint256) balanceOf
///             balanceOf[a]    at keccak256(abi.encode(a, uint256(0)))
///   slot 1  mapping(address => mapping(address => uint256)) allowance
///             allowance[o][s] at keccak256(abi.encode(s, keccak256(abi.encode(o, uint256(1)))))
///   slot 2  uint256 totalSupply
///   slot 3  address owner                      (the deployer)
///   slot 4  mapping(address => bool) isMinter
///             isMinter[a]     at keccak256(abi.encode(a, uint256(4)))
///   slot 5  string name                        (Solidity's standard string encoding)
///   slot 6  string symbol
/// `decimals` is immutable: it lives in the runtime code, not in storage.
/// scripts/compile-contracts.mjs refuses to emit artifacts if solc's layout differs from this.
contract DevnetToken {
    mapping(address => uint256) public balanceOf; // slot 0
    mapping(address => mapping(address => uint256)) public allowance; // slot 1
    uint256 public totalSupply; // slot 2
    address public owner; // slot 3
    mapping(address => bool) public isMinter; // slot 4
    string public name; // slot 5
    string public symbol; // slot 6
    uint8 public immutable decimals;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event MinterSet(address indexed account, bool allowed);

    /// The deployer becomes the owner and the first minter.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
        isMinter[msg.sender] = true;
        emit MinterSet(msg.sender, true);
    }

    /// Always true: marks this contract as a devnet copy, never the real token.
    function devnetCopy() external pure returns (bool) {
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// An allowance of type(uint256).max is treated as infinite and never decreased.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, "DevnetToken: insufficient allowance");
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function mint(address to, uint256 amount) external {
        require(isMinter[msg.sender], "DevnetToken: caller is not a minter");
        require(to != address(0), "DevnetToken: mint to the zero address");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function setMinter(address account, bool allowed) external {
        require(msg.sender == owner, "DevnetToken: caller is not the owner");
        isMinter[account] = allowed;
        emit MinterSet(account, allowed);
    }

    function _transfer(address from, address to, uint256 amount) private {
        require(to != address(0), "DevnetToken: transfer to the zero address");
        uint256 balance = balanceOf[from];
        require(balance >= amount, "DevnetToken: transfer amount exceeds balance");
        unchecked {
            balanceOf[from] = balance - amount; // cannot underflow: checked above
        }
        // Checked: balances written directly via storage need not sum to totalSupply.
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
