-- rewrites-data
-- Which published versions were announced (badcase.dataset.published), so a run killed
-- between committing and announcing is finished by the next (issue 18, item 4;
-- tasks/publish/announce.py). Versions published before this release were announced
-- at the end of their run: record them as announced, or the first run after the
-- upgrade would announce every old version again and start a training job for each.
CREATE TABLE published_announcements (
    dataset        VARCHAR NOT NULL,
    version        VARCHAR NOT NULL,
    event_id       VARCHAR,
    run_id         VARCHAR NOT NULL,
    announced_at   TIMESTAMPTZ NOT NULL
);
INSERT INTO published_announcements
SELECT dataset, version, NULL, run_id, created_at
FROM published_versions WHERE status = 'published';
