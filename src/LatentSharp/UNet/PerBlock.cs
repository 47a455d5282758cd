using System.Text.Json;
using System.Text.Json.Serialization;

namespace LatentSharp.UNet;

/// <summary>
/// A diffusers config value that is either one value for every block or a list with one value per block
/// (<c>attention_head_dim: 8</c> or <c>[5, 10, 20, 20]</c>). It is written back in the form it was read.
/// </summary>
[JsonConverter(typeof(PerBlockJsonConverterFactory))]
public sealed class PerBlock<T> : IEquatable<PerBlock<T>> where T : struct
{
    readonly T single;
    readonly T[]? list;

    public PerBlock(T value) => single = value;

    public PerBlock(IEnumerable<T> values) => list = values.ToArray();

    public bool IsList => list != null;

    /// <summary>The values as written: one element for a single value.</summary>
    public IReadOnlyList<T> Values => list ?? [single];

    /// <summary>One value per block; a list must have exactly <paramref name="blocks"/> entries.</summary>
    public T[] For(int blocks, string field)
    {
        if (list == null) return Enumerable.Repeat(single, blocks).ToArray();
        if (list.Length != blocks)
            throw new LatentSharpException($"UNet config: {field} has {list.Length} entries for {blocks} blocks");
        return list.ToArray();
    }

    public static implicit operator PerBlock<T>(T value) => new(value);

    public static implicit operator PerBlock<T>(T[] values) => new(values);

    public bool Equals(PerBlock<T>? other) =>
        other != null && IsList == other.IsList && Values.SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as PerBlock<T>);

    public override int GetHashCode() => Values.Aggregate(IsList ? 17 : 0, (h, v) => HashCode.Combine(h, v));

    public override string ToString() => IsList ? $"[{string.Join(", ", Values)}]" : $"{single}";
}

sealed class PerBlockJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(PerBlock<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(PerBlockJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;
}

sealed class PerBlockJsonConverter<T> : JsonConverter<PerBlock<T>> where T : struct
{
    public override PerBlock<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.StartArray
            ? new PerBlock<T>(JsonSerializer.Deserialize<T[]>(ref reader, options)!)
            : new PerBlock<T>(JsonSerializer.Deserialize<T>(ref reader, options));

    public override void Write(Utf8JsonWriter writer, PerBlock<T> value, JsonSerializerOptions options)
    {
        if (value.IsList) JsonSerializer.Serialize(writer, value.Values.ToArray(), options);
        else JsonSerializer.Serialize(writer, value.Values[0], options);
    }
}
