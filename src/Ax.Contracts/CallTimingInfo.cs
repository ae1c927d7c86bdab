namespace Ax.Contracts;

/// <summary>One step of a trapped call as the daemon measured it (GET /api/v1/timings).</summary>
/// <param name="Call">The system call: socket or connect.</param>
/// <param name="Step">receive, duplicateFd, readArguments, route, kernelCall or answer.</param>
/// <param name="Count">How many calls took this step since the daemon started.</param>
/// <param name="MeanMicroseconds">The mean time of the step.</param>
public sealed record CallTimingInfo(string Call, string Step, long Count, double MeanMicroseconds);
