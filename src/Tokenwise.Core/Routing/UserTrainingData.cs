namespace Tokenwise.Routing;

/// <summary>
/// Turns a user's labelled rows (<c>prompt,weak_score,strong_score</c>) into training examples. Scores
/// already in [0, 1] are used as they are; otherwise both columns are scaled together by the file's
/// minimum and maximum, so gains keep their sign and relative size.
/// Every fifth row (index 1, 6, 11, …) is held out to calibrate the threshold.
/// </summary>
public static class UserTrainingData
{
    public const string Label = "target = (1 + strong_score - weak_score) / 2, scores scaled to [0, 1]";

    public static (List<TrainingExample> Training, List<string> Calibration) Split(IReadOnlyList<RoutingRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var min = rows.Count == 0 ? 0 : rows.Min(r => Math.Min(r.WeakScore, r.StrongScore));
        var max = rows.Count == 0 ? 1 : rows.Max(r => Math.Max(r.WeakScore, r.StrongScore));
        var (offset, range) = min >= 0 && max <= 1 ? (0.0, 1.0) : (min, Math.Max(max - min, 1e-12));
        var training = new List<TrainingExample>();
        var calibration = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (i % 5 == 1)
            {
                calibration.Add(rows[i].Prompt);
                continue;
            }

            var gain = ((rows[i].StrongScore - offset) - (rows[i].WeakScore - offset)) / range;
            training.Add(new TrainingExample(rows[i].Prompt, TrainingExample.TargetFromGain(gain)));
        }

        return (training, calibration);
    }
}
