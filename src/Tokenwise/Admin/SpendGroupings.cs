using Tokenwise.Storage;

namespace Tokenwise.Admin;

/// <summary>Reads a spend grouping as users write it: <c>model</c>, <c>team</c>, <c>session</c>, … or <c>tag:NAME</c>.</summary>
public static class SpendGroupings
{
    public const string Names = "model, provider, day, key, team, session, tag:NAME";

    public static bool TryParse(string value, out SpendGrouping grouping, out string? tag)
    {
        tag = null;
        if (value.StartsWith("tag:", StringComparison.OrdinalIgnoreCase) && value.Length > 4)
        {
            grouping = SpendGrouping.Tag;
            tag = value[4..];
            return true;
        }

        return Enum.TryParse(value, ignoreCase: true, out grouping) && Enum.IsDefined(grouping) && grouping != SpendGrouping.Tag
            && !int.TryParse(value, out _);
    }
}
