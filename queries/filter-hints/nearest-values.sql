-- filter hints: the values a field has in the scope, nearest to the one asked for first (edit distance,
-- case ignored), the most frequent first among equally near ones.
SELECT {{value}} AS value
FROM {{table}}
WHERE {{scope}} AND {{rows}} AND value != ''
GROUP BY value
ORDER BY editDistanceUTF8(lower(value), lower({wanted:String})), count() DESC, value
LIMIT 3
