using System.Threading.Channels;
using Tokenwise.Pipeline;

namespace Tokenwise.Caching;

/// <summary>
/// The cache in memory: entries by key, expiring at the time fixed when they were stored (a hit
/// never extends it), and evicted least-recently-used first beyond <see cref="MaxEntries"/>. Entries
/// stored in semantic mode are also in a vector index by scope (<see cref="FindSimilar"/>), and leave it
/// whenever they leave the cache (expiry, eviction, replacement, invalidation). New entries are queued
/// for the store, which a background writer drains, so the request path never waits on the database.
/// Thread-safe.
/// </summary>
/// <param name="semanticEmbedder">
/// The embedder the gateway's semantic lookups use (<see cref="Embeddings.ITextEmbedder.ModelId"/>); only entries
/// embedded by it are indexed. Null when no model is in semantic mode.
/// </param>
public sealed class ResponseCache(TimeProvider time, int maxEntries, string? semanticEmbedder = null)
{
    private readonly Dictionary<string, LinkedListNode<CacheEntry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<CacheEntry> _recency = []; // most recently used first
    private readonly Lock _lock = new();
    private readonly Channel<CacheEntry> _pending = Channel.CreateUnbounded<CacheEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ScopedVectorIndex _similar = new();
    private readonly Dictionary<long, LinkedListNode<CacheEntry>> _indexed = [];
    private readonly Dictionary<string, long> _indexIds = new(StringComparer.Ordinal);
    private long _nextIndexId;
    private long _hits;
    private long _semanticHits;
    private long _misses;
    private long _savedPicoUsd;

    public int MaxEntries { get; } = maxEntries;

    /// <summary>Entries a semantic lookup can find.</summary>
    public int SemanticCount
    {
        get
        {
            lock (_lock)
            {
                return _indexed.Count;
            }
        }
    }

    public long SemanticHits => Interlocked.Read(ref _semanticHits);

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
            if (_entries.TryGetValue(key, out var node) && !Expire(node, time.GetUtcNow()))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                entry = node.Value;
                return true;
            }
        }

        entry = null!;
        return false;
    }

    /// <summary>
    /// The entry of <paramref name="query"/>'s scope that answers it, found by meaning: the nearest
    /// <see cref="SemanticMatcher.Candidates"/> live entries are handed to <paramref name="matcher"/>, which
    /// picks one (or none) and says whether it passes <paramref name="threshold"/> and its second-stage check.
    /// Like an exact hit, this never extends the entry's lifetime.
    /// </summary>
    public bool FindSimilar(SemanticQuery query, float[] vector, SemanticMatcher matcher, double threshold, out CacheEntry entry, out float similarity)
    {
        entry = null!;
        similarity = 0;
        var matches = _similar.Search(query.Scope, vector, SemanticMatcher.Candidates); // under the index's lock only
        if (matches.Count == 0)
        {
            return false;
        }

        var nodes = new List<LinkedListNode<CacheEntry>>(matches.Count);
        var candidates = new List<SemanticCandidate>(matches.Count);
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var match in matches)
            {
                // Gone since the search, or expired (then dropped now, as an exact lookup would).
                if (_indexed.TryGetValue(match.Id, out var node) && !Expire(node, now))
                {
                    nodes.Add(node);
                    candidates.Add(new SemanticCandidate(node.Value.Semantic!.Question, match.Similarity));
                }
            }
        }

        var decision = matcher.Decide(query.Question, candidates); // outside the lock: other lookups need not wait for it
        if (decision.Index < 0 || !decision.Serves(threshold))
        {
            return false;
        }

        var chosen = nodes[decision.Index];
        lock (_lock)
        {
            if (chosen.List is not null) // still cached: mark it used
            {
                _recency.Remove(chosen);
                _recency.AddFirst(chosen);
            }
        }

        entry = chosen.Value;
        similarity = candidates[decision.Index].Similarity;
        return true;
    }

    /// <summary>Counts a lookup's outcome.</summary>
    public void Record(bool hit) => Interlocked.Increment(ref hit ? ref _hits : ref _misses);

    /// <summary>Counts a hit found by meaning (also counted by <see cref="Record"/>).</summary>
    public void RecordSemanticHit() => Interlocked.Increment(ref _semanticHits);

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
            Semantic = state.Semantic is { } query && state.Vector is { } vector && semanticEmbedder is not null
                ? new SemanticKey(query.Scope, query.Question, vector, semanticEmbedder) : null,
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
            if (_entries.TryGetValue(entry.Key, out var old))
            {
                Drop(old);
            }

            var node = _recency.AddFirst(entry);
            _entries[entry.Key] = node;
            // A vector of another length than its scope's (an endpoint's model changed size) is served by the exact cache only.
            if (entry.Semantic is { } semantic && semantic.Embedder == semanticEmbedder && _similar.Add(semantic.Scope, _nextIndexId + 1, semantic.Vector))
            {
                var id = ++_nextIndexId; // the id it was added under
                _indexed[id] = node;
                _indexIds[entry.Key] = id;
            }

            while (_entries.Count > MaxEntries && _recency.Last is { } oldest)
            {
                Drop(oldest);
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
                Drop(node);
            }

            return removed.Select(n => n.Value.Key).ToList();
        }
    }

    /// <summary>Drops <paramref name="node"/> when it has expired at <paramref name="now"/>; true if it did.</summary>
    private bool Expire(LinkedListNode<CacheEntry> node, DateTimeOffset now)
    {
        if (node.Value.ExpiresAt > now)
        {
            return false;
        }

        Drop(node);
        return true;
    }

    /// <summary>The one way out of the cache (caller holds the lock): the entry leaves the key map, the recency list and the vector index together.</summary>
    private void Drop(LinkedListNode<CacheEntry> node)
    {
        var entry = node.Value;
        _recency.Remove(node);
        _entries.Remove(entry.Key);
        if (_indexIds.Remove(entry.Key, out var id))
        {
            _indexed.Remove(id);
            _similar.Remove(entry.Semantic!.Scope, id);
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
