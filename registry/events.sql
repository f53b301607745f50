-- The registry's events, oldest first, optionally of one service and one version ('' = all).
SELECT
    EventId AS id,
    toUnixTimestamp64Milli(At) AS at_ms,
    Service AS service,
    Version AS version,
    Environment AS environment,
    Kind AS kind,
    FromValue AS from_value,
    ToValue AS to_value,
    Actor AS actor,
    Reason AS reason,
    GitCommit AS commit,
    Params AS params,
    Prompts AS prompts,
    Config AS config
FROM verdict_registry_events
WHERE ({service:String} = '' OR Service = {service:String})
  AND ({version:String} = '' OR Version = {version:String})
ORDER BY At, EventId
