// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Config} from "./Config.sol";
import {Storage} from "./Storage.sol";
import {Events} from "./Events.sol";

/// The escape hatch (protocol.md 7.12): once frozen, anyone publishes the last proven root's
/// global state once (its preimage, checked against the root), then each account exits once
/// with its leaf and Merkle path, paid max(0, value at the proven oracle prices), funding
/// included, within what the contract holds for L2.
abstract contract Exodus is Config, Storage, Events {
    uint256 internal constant TAG_ACCOUNT = 1;
    uint256 internal constant TAG_STATE = 2;
    uint256 internal constant TAG_GLOBAL = 4;
    uint256 internal constant TAG_MARKETS = 5;
    uint256 internal constant TAG_MARKET = 6;
    uint256 internal constant TAG_MARKET_CONFIG = 7;
    uint256 internal constant TAG_POSITIONS = 10;
    uint256 internal constant TAG_POSITION = 11;
    uint256 internal constant TREE_DEPTH = 12; // 4-ary: 4^12 = 2^24 account ids
    uint256 internal constant MAX_MARKETS = 8;

    /// One market's preimages: config = the 15 fields of config_hash after its tag (size_decimals
    /// .. risk_hash), state = the 12 fields of M_m after config_hash (oracle_price .. premium_samples).
    struct MarketPreimage {
        uint256[15] config;
        uint256[12] state;
    }

    /// The preimage of the state root's global hash (protocol.md 3, 3.3) and the accounts root.
    struct ExitState {
        uint256 accountsRoot;
        uint256 paramsHash;
        uint256 insuranceFund;
        uint256 feePool;
        uint256 fundingTime;
        uint8 configured; // bit m: market m is configured
        MarketPreimage[8] markets;
    }

    /// An account leaf's preimage (protocol.md 3.1); signed values as integers.
    struct Leaf {
        uint256 pubX;
        uint256 pubY;
        address owner;
        int256 collateral;
        uint256 nonce;
        int256[8] sizes;
        int256[8] costs;
        int256[8] fundingSnapshots;
        uint256 ordersRoot;
        uint256 auctionStart;
    }

    event ExitStatePublished(uint256 accountsRoot, uint256 exitPool);
    event Escaped(uint24 indexed accountId, address indexed owner, int256 value, uint256 paid);

    function _field(int256 v) internal pure returns (uint256) {
        require(v > -(int256(1) << 127) && v < (int256(1) << 127), "signed value out of range");
        return v >= 0 ? uint256(v) : R - uint256(-v);
    }

    function _signed(uint256 f) internal pure returns (int256) {
        require(f < R, "not canonical");
        return f > R / 2 ? -int256(R - f) : int256(f);
    }

    function _wide(uint256 n) private pure returns (uint256[] memory) {
        return new uint256[](n);
    }

    /// Publishes the last proven root's global state, once, after the freeze.
    function publishExitState(ExitState calldata e) external {
        require(frozen, "not frozen");
        require(!exitPublished, "already published");
        uint256[] memory mh = _wide(9);
        mh[0] = TAG_MARKETS;
        for (uint256 m = 0; m < MAX_MARKETS; m++) {
            if ((e.configured >> m) & 1 == 0) continue;
            mh[m + 1] = _marketHash(m, e.markets[m]);
        }
        uint256 marketsHash = poseidon9.hash(mh);
        uint256 g = poseidon6.poseidon(
            [TAG_GLOBAL, e.paramsHash, marketsHash, e.insuranceFund, e.feePool, e.fundingTime]
        );
        require(poseidon3.poseidon([TAG_STATE, e.accountsRoot, g]) == uint256(stateRoot), "not the proven root");
        exitAccountsRoot = e.accountsRoot;
        emptyPositionHash = poseidon4.poseidon([TAG_POSITION, 0, 0, 0]);
        exitPool = token.balanceOf(address(this)) - totalClaimable - unconsumedDeposits;
        exitPublished = true;
        emit ExitStatePublished(e.accountsRoot, exitPool);
    }

    function _marketHash(uint256 m, MarketPreimage calldata p) private returns (uint256) {
        uint256[] memory c = _wide(16);
        c[0] = TAG_MARKET_CONFIG;
        for (uint256 i = 0; i < 15; i++) {
            c[i + 1] = p.config[i];
        }
        uint256[] memory s = _wide(14);
        s[0] = TAG_MARKET;
        s[1] = poseidon16.hash(c);
        for (uint256 i = 0; i < 12; i++) {
            s[i + 2] = p.state[i];
        }
        uint256 decimals = p.config[0] + p.config[1];
        require(decimals <= 6 && p.config[3] > 0, "market config");
        exitMarkets[m] = ExitMarket(
            true, int256(p.state[0]), _signed(p.state[2]), int256(10 ** (6 - decimals)), int256(p.config[3])
        );
        return poseidon14.hash(s);
    }

    /// Pays account `accountId` out, once: its leaf against the published accounts root, over its
    /// 4-ary path (protocol.md 3): per level, leaf first, the 3 other children in child order.
    function escape(uint24 accountId, Leaf calldata a, uint256[36] calldata siblings) external {
        require(exitPublished, "exit state not published");
        require(accountId != 0, "account");
        require(!escaped[accountId], "already escaped");
        uint256 node = _rootFromPath(accountId, _leafHash(a), siblings);
        require(node == exitAccountsRoot, "bad Merkle proof");
        escaped[accountId] = true;
        int256 value = _value(a);
        uint256 paid = 0;
        if (value > 0) {
            paid = uint256(value) < exitPool ? uint256(value) : exitPool;
            exitPool -= paid;
        }
        if (paid > 0) _exitTransfer(a.owner, paid);
        emit Escaped(accountId, a.owner, value, paid);
    }

    /// The root over a leaf's path: at height h the node is child (id >> 2h) & 3 of
    /// Poseidon([c0, c1, c2, c3]), its brothers siblings[3h .. 3h + 2] in order around it.
    function _rootFromPath(uint256 accountId, uint256 leaf, uint256[36] calldata siblings)
        private
        view
        returns (uint256 node)
    {
        node = leaf;
        uint256[4] memory c;
        for (uint256 h = 0; h < TREE_DEPTH; h++) {
            uint256 pos = (accountId >> (2 * h)) & 3;
            uint256 s = 3 * h;
            for (uint256 k = 0; k < 4; k++) {
                c[k] = k == pos ? node : siblings[s++];
            }
            node = poseidon4.poseidon(c);
        }
    }

    function _leafHash(Leaf calldata a) private view returns (uint256) {
        uint256[] memory ph = _wide(9);
        ph[0] = TAG_POSITIONS;
        for (uint256 m = 0; m < MAX_MARKETS; m++) {
            if (a.sizes[m] == 0 && a.costs[m] == 0 && a.fundingSnapshots[m] == 0) {
                ph[m + 1] = emptyPositionHash;
            } else {
                ph[m + 1] = poseidon4.poseidon(
                    [TAG_POSITION, _field(a.sizes[m]), _field(a.costs[m]), _field(a.fundingSnapshots[m])]
                );
            }
        }
        uint256[] memory l = _wide(9);
        l[0] = TAG_ACCOUNT;
        l[1] = a.pubX;
        l[2] = a.pubY;
        l[3] = uint256(uint160(a.owner));
        l[4] = _field(a.collateral);
        l[5] = a.nonce;
        l[6] = poseidon9.hash(ph);
        l[7] = a.ordersRoot;
        l[8] = a.auctionStart;
        return poseidon9.hash(l);
    }

    /// collateral + sum_m (size * P * mult - cost - (size / step) * (F - snapshot)) at the
    /// proven oracle prices P and funding indices F.
    function _value(Leaf calldata a) private view returns (int256 v) {
        v = a.collateral;
        for (uint256 m = 0; m < MAX_MARKETS; m++) {
            int256 s = a.sizes[m];
            if (s == 0) continue;
            ExitMarket storage mk = exitMarkets[m];
            require(mk.configured, "position in an unconfigured market");
            v += s * mk.price * mk.mult - a.costs[m] - (s / mk.stepSize) * (mk.fundingIndex - a.fundingSnapshots[m]);
        }
    }

    function _exitTransfer(address to, uint256 amount) internal virtual;
}
