using Microsoft.Extensions.Configuration;

namespace Tokenwise.Configuration;

public sealed class BudgetOptions
{
    /// <summary>IANA time zone in which hour, day, week and month budgets begin (e.g. <c>Europe/Berlin</c>).</summary>
    [ConfigurationKeyName("time_zone")]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Where budget alerts are POSTed as JSON; unset, alerts are only logged.</summary>
    [ConfigurationKeyName("alert_webhook_url")]
    public string? AlertWebhookUrl { get; set; }

    /// <summary>The <see cref="TimeZone"/> (validated at start-up, so UTC only when the settings were never validated).</summary>
    public TimeZoneInfo FindTimeZone() => TokenwiseOptionsValidator.TryFindTimeZone(TimeZone, out var zone) ? zone : TimeZoneInfo.Utc;
}
