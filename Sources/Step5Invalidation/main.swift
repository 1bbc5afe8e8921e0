import HTTPCore

// Step 5: step 4's disk cache, PURGE and cache tool, plus what an image cache needs in production:
// an authenticated invalidation API on a second listener that drops every cached variant of a
// source image and keeps a history of what it did, misses of one URL coalesced into one upstream
// request, and usage statistics. With no subcommand name it is the proxy (ProxyCommand.swift);
// `invalidate` is the command a CI job runs to invalidate what a git push changed.
// The lesson lives in SourceIndex.swift, AdminAPI.swift, InvalidationHistory.swift,
// SharedFetch.swift, CachingProxy+Coalescing.swift, ProxyMetrics.swift and, for CI, InvalidateCommand.swift.

CommandLineTool.runSubcommands(default: ProxyCommand.subcommand,
                               others: [InspectCommand.subcommand, PurgeCommand.subcommand, WatchCommand.subcommand,
                                        InvalidateCommand.subcommand])
