-- filter hints: the attribute keys present in the scope, nearest to the one asked for first.
SELECT key
FROM {{table}}
ARRAY JOIN {{keys}} AS key
WHERE {{scope}} AND {{rows}}
GROUP BY key
ORDER BY editDistanceUTF8(lower(key), lower({wanted:String})), count() DESC, key
LIMIT 3
