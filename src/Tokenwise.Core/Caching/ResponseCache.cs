using System.Threading.Channels;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// The exact cache in memory: entries by key, expiring at the time fixed when they were stored (a hit
/// never extends it), and evicted least-recently-used first beyond <see cref="MaxEntries"/>. New
/// entries are queued for the store, which a background writer drains, so the request path never
/// waits on the database. Thread-safe.
/// </summary>
public sealed class ResponseCache(TimeProvider time, int maxEntries)
{
    private readonly Dictionary<string, LinkedListNode<CacheEntry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<CacheEntry> _recency = []; // most recently used first
    private readonly Lock _lock = new();
    private readonly Channel<CacheEntry> _pending = Channel.CreateUnbounded<CacheEntry>(new UnboundedChannelOptions { SingleReader = true });
    private long _hits;
    private long _misses;
    private long _savedPicoUsd;

    public int MaxEntries { get; } = maxEntries;

    /// <summary>Entries stored but not yet written to the store.</summary>
    public ChannelReader<CacheEntry> PendingSaves => _pending.Reader;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public long Hits => Interlocked.Read(ref _hits);
    public long Misses => Interlocked.Read(ref _misses);
    public decimal SavedUsd => Interlocked.Read(ref _savedPicoUsd) / 1_000_000_000_000m;

    /// <summary>The live entry under <paramref name="key"/>; an expired one is dropped instead.</summary>
    public bool TryGet(string key, out CacheEntry entry)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt > time.GetUtcNow())
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    entry = node.Value;
                    return true;
                }

                _recency.Remove(node);
                _entries.Remove(key);
            }
        }

        entry = null!;
        return false;
    }

    /// <summary>Counts a lookup's outcome.</summary>
    public void Record(bool hit) => Interlocked.Increment(ref hit ? ref _hits : ref _misses);

    /// <summary>Adds what a hit avoided to the running savings.</summary>
    public void AddSavings(decimal savedUsd) => Interlocked.Add(ref _savedPicoUsd, (long)(savedUsd * 1_000_000_000_000m));

    /// <summary>Answers larger than this are relayed but not kept.</summary>
    public const int MaxEntryBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The hook where an answer completes: keeps a successful, complete answer (the endpoint calls this
    /// only then) under the key the lookup chose, unless the request was a hit or asked for no-store.
    /// </summary>
    public void Store(GatewayContext context, ReadOnlySpan<byte> body, string contentType)
    {
        if (context.Cache is not { Key: { } key, Namespace: { } tenantNamespace, Hit: null } state || body.Length > MaxEntryBytes
            || context.Deployment is not { } deployment)
        {
            return;
        }

        var now = time.GetUtcNow();
        var record = context.Record;
        Add(new CacheEntry
        {
            Key = key,
            Namespace = tenantNamespace,
            KeyId = record.KeyId,
            Team = record.Team,
            Model = deployment.UpstreamModel,
            Tags = record.Tags,
            CreatedAt = now,
            ExpiresAt = now + state.Directives.Ttl,
            Stream = context.Request.Stream,
            ContentType = contentType,
            Body = body.ToArray(),
            Usage = record.Usage,
            Estimated = record.Estimated,
        });
    }

    /// <summary>Stores a fresh answer and queues it for the store.</summary>
    public void Add(CacheEntry entry)
    {
        Load(entry);
        _pending.Writer.TryWrite(entry);
    }

    /// <summary>Puts an entry in memory only (entries read back from the store at start-up).</summary>
    public void Load(CacheEntry entry)
    {
        lock (_lock)
        {
            if (_entries.Remove(entry.Key, out var old))
            {
                _recency.Remove(old);
            }

            _entries[entry.Key] = _recency.AddFirst(entry);
            while (_entries.Count > MaxEntries && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }
        }
    }

    /// <summary>Removes every entry <paramref name="match"/> selects; returns their keys, for the store.</summary>
    public IReadOnlyList<string> RemoveWhere(Func<CacheEntry, bool> match)
    {
        lock (_lock)
        {
            var removed = _entries.Values.Where(n => match(n.Value)).ToList();
            foreach (var node in removed)
            {
                _recency.Remove(node);
                _entries.Remove(node.Value.Key);
            }

            return removed.Select(n => n.Value.Key).ToList();
        }
    }

    /// <summary>Whether <paramref name="entry"/> is still the one held under its key (not evicted, replaced or invalidated).</summary>
    public bool Holds(CacheEntry entry)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(entry.Key, out var node) && ReferenceEquals(node.Value, entry);
        }
    }

    public IReadOnlyList<CacheEntry> Snapshot()
    {
        lock (_lock)
        {
            return _recency.ToList();
        }
    }
}
