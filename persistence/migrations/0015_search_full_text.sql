-- Search that scales (issue 13). ?search= keeps its meaning: a case-insensitive substring of name,
-- description or sku, matched by LIKE on search_text and found through the trigram index.
--
-- GIN's fast-update list made every search scan the not-yet-merged entries linearly: after a bulk
-- insert of 10,000 products a 3-letter term cost 15 ms (a sequential scan) instead of 0.2 ms, until a
-- vacuum merged the list. Catalog writes are rare next to searches, so inserts go straight into the index.
ALTER INDEX products_search_trgm SET (fastupdate = off);
SELECT gin_clean_pending_list('products_search_trgm'::regclass);

-- Whole words: a multi-word term's inner words ("item" in "fine item number") are whole words of
-- every match, so the word index narrows the candidates exactly (the LIKE still decides). 'simple'
-- neither stems nor drops stop words, so a word is found as typed. <, > and & become spaces first:
-- the parser reads "<b item c>" as one tag and "&x item;" as an entity and would drop the words inside.
CREATE INDEX products_search_words ON products USING gin (to_tsvector('simple', translate(search_text, '<>&', '   ')))
    WITH (fastupdate = off) WHERE is_active;

-- The count beyond the exact threshold is the planner's estimate of the LIKE's selectivity, taken from
-- search_text's histogram (100 buckets by default: about ±10% of the catalog). A 1,000-bucket histogram
-- estimated closer but added 0.1 ms of planning to every search, so the default stays.
ANALYZE products;
