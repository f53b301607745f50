SELECT
    ServiceName, Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, TraceHash, TraceId, Start,
    Requests, Errors, RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors,
    InputTokens, OutputTokens, LastArrival,
    cityHash64(Environment, AppVersion, GitCommit, SessionId, UserId, RequestName, Model, Start, Requests, Errors,
        RequestDuration, RequestStatus, RequestStatusMessage, RequestDurations, Spans, SpanErrors, InputTokens, OutputTokens,
        Cost, LlmCalls, UnpricedCalls, UnpricedModels, PriceSources) AS SummaryHash,
    cost.cost AS Cost,
    toUInt32(cost.calls) AS LlmCalls,
    toUInt32(cost.unpriced) AS UnpricedCalls,
    cost.unpriced_models AS UnpricedModels,
    cost.sources AS PriceSources
FROM (
    SELECT
        ServiceName,
        if(environment != '', environment, argMinMerge(environment_state) OVER (PARTITION BY TraceId)) AS Environment,
        version AS AppVersion,
        commit AS GitCommit,
        if(session != '', session, argMinMerge(session_state) OVER (PARTITION BY TraceId)) AS SessionId,
        if(user != '', user, argMinMerge(user_state) OVER (PARTITION BY TraceId)) AS UserId,
        if(HasRequest = 1, request.1, '') AS RequestName,
        model AS Model,
        TraceHash,
        TraceId,
        if(HasRequest = 1, RequestStart, FirstStart) AS Start,
        Requests,
        Errors,
        if(HasRequest = 1, request.2, 0) AS RequestDuration,
        if(HasRequest = 1, request.3, '') AS RequestStatus,
        if(HasRequest = 1, request.4, '') AS RequestStatusMessage,
        RequestDurations,
        Spans,
        SpanErrors,
        InputTokens,
        OutputTokens,
        LastArrival
    FROM (
        SELECT
            TraceHash, TraceId, ServiceName,
            argMinMerge(AppVersion) AS version,
            argMinMergeState(Environment) AS environment_state,
            finalizeAggregation(environment_state) AS environment,
            argMinMergeState(SessionId) AS session_state,
            finalizeAggregation(session_state) AS session,
            argMinMergeState(UserId) AS user_state,
            finalizeAggregation(user_state) AS user,
            argMinMerge(GitCommit) AS commit,
            argMinMerge(Request) AS request,
            argMinMerge(Model) AS model,
            max(HasRequest) AS HasRequest,
            min(Start) AS FirstStart,
            min(RequestStart) AS RequestStart,
            sum(Spans) AS Spans,
            sum(SpanErrors) AS SpanErrors,
            sum(Requests) AS Requests,
            sum(Errors) AS Errors,
            sum(InputTokens) AS InputTokens,
            sum(OutputTokens) AS OutputTokens,
            arraySort(groupArrayArray(RequestDurations)) AS RequestDurations,
            max(LastArrival) AS LastArrival
        FROM verdict_trace_parts
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
        GROUP BY TraceHash, TraceId, ServiceName
    ) AS service
) AS base
LEFT JOIN (
    SELECT
        TraceId, ServiceName,
        sum(u.reported + if(p.Priced = 1,
            toFloat64(greatest(toInt64(u.input) - toInt64(u.cache_read) - toInt64(u.cache_write), 0)) * p.InputPrice
                + u.cache_read * p.CacheReadPrice + u.cache_write * p.CacheWritePrice + u.output * p.OutputPrice,
            0)) AS cost,
        sum(u.calls) AS calls,
        sumIf(u.calls - u.reported_calls, p.Priced = 0) AS unpriced,
        arraySort(groupUniqArrayIf(if(u.Provider = '', u.Model, concat(u.Provider, '/', u.Model)), p.Priced = 0 AND u.calls > u.reported_calls)) AS unpriced_models,
        arraySort(groupUniqArrayIf(p.PriceSource, p.Priced = 1 AND u.calls > u.reported_calls)) AS sources
    FROM (
        SELECT TraceId, ServiceName, Day, Provider, Model, sum(Calls) AS calls, sum(InputTokens) AS input, sum(CacheReadTokens) AS cache_read,
            sum(CacheWriteTokens) AS cache_write, sum(OutputTokens) AS output, sum(ReportedCalls) AS reported_calls, sum(ReportedCost) AS reported
        FROM verdict_usage
        WHERE TraceHash IN (SELECT TraceHash FROM verdict_trace_parts WHERE LastArrival > {since:DateTime64(3)} AND TraceHash % {shards:UInt64} = {shard:UInt64})
        GROUP BY TraceId, ServiceName, Day, Provider, Model
    ) AS u
    LEFT JOIN (
        SELECT Provider, Model, Day, price.1 AS Priced, price.2 AS InputPrice, price.3 AS CacheReadPrice, price.4 AS CacheWritePrice,
            price.5 AS OutputPrice, price.6 AS PriceSource
        FROM (
            SELECT Provider, Model, Day, argMax(tuple(Priced, InputPrice, CacheReadPrice, CacheWritePrice, OutputPrice, PriceSource), PricedAt) AS price
            FROM verdict_prices
            GROUP BY Provider, Model, Day
        )
    ) AS p ON u.Provider = p.Provider AND u.Model = p.Model AND u.Day = p.Day
    GROUP BY TraceId, ServiceName
) AS cost USING (TraceId, ServiceName)