"""Building blocks of the ConnectWise Manage emulator (see ../cwm_emulator.py).

conditions  -- parser/evaluator for the `conditions` query language
query       -- orderBy, fields, paging and Link headers
patch       -- JSON Patch (add/replace/remove) as ConnectWise applies it
data        -- deterministic demo data and the canonical object shapes
store       -- the thread-safe object store: CRUD, validation, audit trail
errors      -- ApiError, the one exception the HTTP layer turns into a response
"""
