import HTTPCore

// Step 4: the caching proxy of step 3, with its cache on disk in nginx's layout and file format,
// PURGE, and a tool for cache directories (its own or real nginx's). With no subcommand name it
// is the proxy (ProxyCommand.swift); `inspect`, `purge` and `watch` work on a cache directory.
// The lesson lives in ResponseCache.swift, CacheFileWriter.swift, CachingProxy+Hit.swift,
// CachingProxy+Purge.swift and the NginxCache library.

CommandLineTool.runSubcommands(default: ProxyCommand.subcommand,
                               others: [InspectCommand.subcommand, PurgeCommand.subcommand, WatchCommand.subcommand])
