using System.Globalization;
using System.Security.Cryptography;
using Tokenwise.Access;
using Tokenwise.Budgets;
using Tokenwise.Hosting;
using Tokenwise.Pipeline;
using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>
/// Changes to keys, budgets and rate limits: validated, written to the store, then applied to the in-memory
/// key ring and admission gate, so the next request sees them. One place for the admin API and start-up.
/// </summary>
public sealed class AdminService(IAdminStore store, IUsageStore usage, KeyRing keys, AdmissionGate gate, TimeProvider time)
{
    /// <summary>Loads keys and policies at start, and counts what each budget's current window spent before the restart.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        keys.Load(await store.KeysAsync(cancellationToken));
        gate.Replace(new PolicyBook(await store.BudgetsAsync(cancellationToken), await store.RateLimitsAsync(cancellationToken)));
        foreach (var budget in gate.Book.Budgets)
        {
            await SeedAsync(budget, cancellationToken);
        }
    }

    public async Task<KeyInfo> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Team))
        {
            throw new AdminException("team is required: every key belongs to a team.");
        }

        var now = time.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            throw new AdminException("expires_at must be in the future.");
        }

        CheckKeyFields(request);
        var secret = KeySecret.Generate();
        var key = new VirtualKey
        {
            Id = KeySecret.NewId(),
            Name = string.IsNullOrWhiteSpace(request.Name) ? request.Team.Trim() : request.Name.Trim(),
            Team = request.Team.Trim(),
            Hash = KeySecret.Hash(secret),
            Prefix = KeySecret.Shown(secret),
            CreatedAt = now,
            AllowedModels = request.AllowedModels ?? [],
            ExpiresAt = request.ExpiresAt,
            Metadata = request.Metadata ?? [],
        };
        await store.SaveKeyAsync(key, cancellationToken);
        keys.Put(key);
        return KeyInfo.From(key, now) with { Key = secret };
    }

    /// <summary>
    /// Refuses what would make a key unusable or unbounded: a blank allowed model (the key could use nothing, and its
    /// refusals would list nothing), names too long to show, and metadata outside the limits tags have.
    /// </summary>
    private static void CheckKeyFields(CreateKeyRequest request)
    {
        CheckLength("team", request.Team!.Trim(), Attribution.MaxIdLength);
        CheckLength("name", request.Name?.Trim() ?? "", Attribution.MaxIdLength);

        foreach (var model in request.AllowedModels ?? [])
        {
            if (string.IsNullOrWhiteSpace(model) || model.Length > Attribution.MaxIdLength)
            {
                throw new AdminException($"allowed_models must be model names of 1 to {Attribution.MaxIdLength} characters, as clients address them; got {(model is null ? "null" : $"'{GatewayError.Excerpt(model)}'")}.");
            }
        }

        if (request.Metadata?.Count > Attribution.MaxTags)
        {
            throw new AdminException($"metadata may hold at most {Attribution.MaxTags} pairs, as a request's tags; got {request.Metadata.Count}.");
        }

        foreach (var (name, value) in request.Metadata ?? [])
        {
            if (string.IsNullOrWhiteSpace(name) || value is null || !Attribution.IsTag(name, value))
            {
                throw new AdminException(
                    $"metadata must be strings with names of 1 to {Attribution.MaxTagNameLength} characters and values of at most {Attribution.MaxTagValueLength}, as tags; '{GatewayError.Excerpt(name)}' is not.");
            }
        }
    }

    public IReadOnlyList<KeyInfo> ListKeys()
    {
        var now = time.GetUtcNow();
        return [.. keys.All().Select(k => KeyInfo.From(k, now))];
    }

    /// <summary>A new secret for the same key (id, team, budgets and history stay); the old secret stops working at once.</summary>
    public async Task<KeyInfo> RotateKeyAsync(string id, CancellationToken cancellationToken)
    {
        var key = Find(id);
        if (key.RevokedAt is not null)
        {
            throw new AdminException($"Key {id} is revoked; create a new key instead.", 409);
        }

        var secret = KeySecret.Generate();
        var rotated = key with { Hash = KeySecret.Hash(secret), Prefix = KeySecret.Shown(secret) };
        await store.SaveKeyAsync(rotated, cancellationToken);
        keys.Put(rotated);
        return KeyInfo.From(rotated, time.GetUtcNow()) with { Key = secret };
    }

    public async Task<KeyInfo> RevokeKeyAsync(string id, CancellationToken cancellationToken)
    {
        var key = Find(id);
        var now = time.GetUtcNow();
        var revoked = key with { RevokedAt = key.RevokedAt ?? now };
        await store.SaveKeyAsync(revoked, cancellationToken);
        keys.Put(revoked);
        return KeyInfo.From(revoked, now);
    }

    public async Task<BudgetInfo> SaveBudgetAsync(BudgetRequest request, CancellationToken cancellationToken)
    {
        var scope = Parse<BudgetScope>(request.Scope, "scope");
        var target = request.Target?.Trim();
        if (string.IsNullOrEmpty(target))
        {
            throw new AdminException("target is required: a key id, team name, tag name=value or session id (or * for each key or session).");
        }

        // A tag's name and value within the tags' limits; any other target names a key, team or session, as long as a name.
        if (scope == BudgetScope.Tag)
        {
            if (target.Split('=', 2) is not [{ Length: > 0 } tagName, { Length: > 0 } tagValue] || target.EndsWith('='))
            {
                throw new AdminException($"A tag budget's target is name=value, e.g. feature=triage; got '{target}'.");
            }

            if (!Attribution.IsTag(tagName, tagValue))
            {
                throw new AdminException($"A tag budget's target is a tag: a name of at most {Attribution.MaxTagNameLength} characters and a value of at most {Attribution.MaxTagValueLength}.");
            }
        }
        else
        {
            CheckLength("target", target, Attribution.MaxIdLength);
        }

        if (target == Budget.EachTarget && scope is not (BudgetScope.Key or BudgetScope.Session))
        {
            throw new AdminException("target * (each separately) is only for key and session budgets.");
        }

        if (request.AmountUsd is not > 0)
        {
            throw new AdminException("amount_usd must be greater than 0.");
        }

        // Stored as whole picodollars in 64 bits: a larger amount would fail to be stored (a 500), a smaller one be stored as 0.
        if (request.AmountUsd < CostUnits.SmallestUsd || request.AmountUsd > CostUnits.MaxUsd)
        {
            throw new AdminException(string.Create(CultureInfo.InvariantCulture,
                $"amount_usd must be from {CostUnits.SmallestUsd} (one picodollar) to {CostUnits.MaxUsd:0.##} USD, the range the usage log stores, got {request.AmountUsd}."));
        }

        var alerts = request.AlertPercents ?? [.. Budget.DefaultAlertPercents];
        if (alerts.Any(p => p is < 1 or > 1000))
        {
            throw new AdminException("alert_percents must be between 1 and 1000.");
        }

        var budget = new Budget(NewId("budget", request.Id), scope, target, request.AmountUsd.Value, Parse<BudgetPeriod>(request.Period ?? "month", "period"),
            Parse<BudgetMode>(request.Mode ?? "hard", "mode"), [.. alerts.Distinct().Order()]);
        await store.SaveBudgetAsync(budget, cancellationToken);
        gate.Replace(gate.Book.With(budget));
        await SeedAsync(budget, cancellationToken);
        return await DescribeAsync(budget);
    }

    public async Task<IReadOnlyList<BudgetInfo>> ListBudgetsAsync()
    {
        var list = new List<BudgetInfo>();
        foreach (var budget in gate.Book.Budgets)
        {
            list.Add(await DescribeAsync(budget));
        }

        return list;
    }

    public async Task<RateLimitInfo> SaveRateLimitAsync(RateLimitRequest request, CancellationToken cancellationToken)
    {
        var scope = Parse<RateLimitScope>(request.Scope, "scope");
        var target = request.Target?.Trim();
        if (string.IsNullOrEmpty(target))
        {
            throw new AdminException("target is required: a key id, team name or model name (or * for each).");
        }

        CheckLength("target", target, Attribution.MaxIdLength);

        if (request.RequestsPerMinute is null && request.TokensPerMinute is null && request.MaxConcurrent is null)
        {
            throw new AdminException("Set at least one of requests_per_minute, tokens_per_minute, max_concurrent.");
        }

        foreach (var (field, value) in new[] { ("requests_per_minute", request.RequestsPerMinute), ("tokens_per_minute", request.TokensPerMinute), ("max_concurrent", request.MaxConcurrent) })
        {
            if (value is < 1)
            {
                throw new AdminException($"{field} must be at least 1, got {value}.");
            }
        }

        var limit = new RateLimit(NewId("limit", request.Id), scope, target, request.RequestsPerMinute, request.TokensPerMinute, request.MaxConcurrent);
        await store.SaveRateLimitAsync(limit, cancellationToken);
        gate.Replace(gate.Book.With(limit));
        return RateLimitInfo.From(limit);
    }

    public IReadOnlyList<RateLimitInfo> ListRateLimits() => [.. gate.Book.RateLimits.Select(RateLimitInfo.From)];

    public async Task DeleteBudgetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await store.DeleteBudgetAsync(id, cancellationToken))
        {
            throw new AdminException($"There is no budget '{id}'.", 404);
        }

        gate.Replace(gate.Book.WithoutBudget(id));
    }

    public async Task DeleteRateLimitAsync(string id, CancellationToken cancellationToken)
    {
        if (!await store.DeleteRateLimitAsync(id, cancellationToken))
        {
            throw new AdminException($"There is no rate limit '{id}'.", 404);
        }

        gate.Replace(gate.Book.WithoutRateLimit(id));
    }

    public async Task<OutcomeInfo> RecordOutcomeAsync(OutcomeRequest request, string? team, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.OutcomeId) || string.IsNullOrWhiteSpace(request.Workflow))
        {
            throw new AdminException("outcome_id and workflow are required.");
        }

        CheckLength("outcome_id", request.OutcomeId.Trim(), Attribution.MaxIdLength);
        CheckLength("workflow", request.Workflow.Trim(), Attribution.MaxIdLength);

        var status = request.Status?.ToLowerInvariant() switch
        {
            "success" => OutcomeStatus.Success,
            "failure" => OutcomeStatus.Failure,
            _ => throw new AdminException($"status must be success or failure, got '{request.Status}'."),
        };
        var outcome = new Outcome(team ?? "", request.OutcomeId.Trim(), request.Workflow.Trim(), status, request.Value, time.GetUtcNow());
        await usage.RecordOutcomeAsync(outcome, cancellationToken);
        return OutcomeInfo.From(outcome);
    }

    private async Task SeedAsync(Budget budget, CancellationToken cancellationToken)
    {
        if (budget.Target == Budget.EachTarget)
        {
            return; // one window per key or session, counted as they come
        }

        var window = BudgetWindow.Of(budget.Period, time.GetUtcNow(), gate.Zone);
        var spent = await usage.SpentAsync(budget.Scope, budget.Target, window.Start, cancellationToken);
        var current = await gate.CurrentAsync(budget, budget.Target);
        if (spent > current)
        {
            await gate.SeedAsync(budget, budget.Target, spent - current);
        }
    }

    private async Task<BudgetInfo> DescribeAsync(Budget b)
    {
        var now = time.GetUtcNow();
        var window = BudgetWindow.Of(b.Period, now, gate.Zone);
        // A budget for each target (*) has no one spend to show or project.
        decimal? current = b.Target != Budget.EachTarget ? await gate.CurrentAsync(b, b.Target) : null;
        var forecast = current is { } spent ? BudgetForecast.Of(window, b.AmountUsd, spent, now) : null;
        return new BudgetInfo(b.Id, b.Scope.ToString().ToLowerInvariant(), b.Target, b.AmountUsd, b.Period.ToString().ToLowerInvariant(),
            b.Mode.ToString().ToLowerInvariant(), [.. b.AlertPercents], b.Period == BudgetPeriod.Lifetime ? null : window.Start, window.End,
            current, forecast?.ProjectedUsd, forecast?.ExhaustsAt);
    }

    private VirtualKey Find(string id) => keys.FindById(id) ?? throw new AdminException($"There is no key '{id}'.", 404);

    private static T Parse<T>(string? value, string field)
        where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
            ? parsed
            : throw new AdminException($"{field} must be one of {string.Join(", ", Enum.GetNames<T>()).ToLowerInvariant()}, got '{value}'.");

    private static string NewId(string kind, string? requested) =>
        string.IsNullOrWhiteSpace(requested) ? $"{kind}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}" : CheckLength("id", requested.Trim(), Attribution.MaxIdLength);

    /// <returns><paramref name="value"/>, when it is at most <paramref name="maxLength"/> characters long.</returns>
    private static string CheckLength(string field, string value, int maxLength) =>
        value.Length <= maxLength ? value : throw new AdminException($"{field} must be at most {maxLength} characters.");
}
