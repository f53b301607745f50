-- On a cluster, claims go to Keeper, which every replica sees at once: one row per generation of
-- a lock, inserted in strict mode, so only the first insert of a key succeeds. Needs the servers'
-- keeper_map_path_prefix.
CREATE TABLE IF NOT EXISTS verdict_locks ON CLUSTER '{{cluster}}' (Lock String, Holder String, Beat DateTime64(3), Released UInt8)
ENGINE = KeeperMap('verdict_locks')
PRIMARY KEY Lock
