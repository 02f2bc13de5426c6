"""Building blocks of the ConnectWise Manage emulator (see ../cwm_emulator.py).

dialects     -- real vs seed: route table, error bodies, switches
routes       -- URL patterns and the route tables of both dialects
api          -- Response, Context and the route handlers
versions     -- the Accept header's API version and which ones are served
conditions   -- parser/evaluator for the `conditions` query language
query        -- orderBy, fields, paging and Link headers
patch        -- JSON Patch (add/replace/remove) as ConnectWise applies it
data         -- deterministic demo data in the description's (seed) shapes
realdata     -- the same data reshaped to the real 2025.8 schemas
models       -- each dialect's collections and their write rules
reports      -- GET /system/reports over the emulator's data
deactivation -- the MemberDeactivation body of members/{id}/deactivate
store        -- the thread-safe object store: CRUD, validation, audit trail
testhooks    -- request log and fault queue behind /__emulator/
errors       -- ApiError, the one exception the HTTP layer turns into a response
"""
