// NOT SHIPPED. A test-only stand-in for the few UnityEngine types that
// NpcDialogue.cs uses, so CTest (csharp_unity_sample_compiles) can compile
// the sample with Mono where Unity is not installed. In a Unity project the
// real UnityEngine assembly provides these; do not copy this file there.
namespace UnityEngine
{
    public class Object {}
    public class Component : Object
    {
        private Transform transform_;
        public Transform transform
        {
            get
            {
                if (transform_ == null)
                {
                    transform_ = this as Transform ?? new Transform();
                }
                return transform_;
            }
        }
    }
    public class Behaviour : Component
    {
        public bool enabled { get; set; }
    }
    public class MonoBehaviour : Behaviour {}
    public class Transform : Component
    {
        public Vector3 position { get; set; }
    }
    public struct Vector3
    {
        public float x, y, z;
        public Vector3(float x, float y, float z)
        {
            this.x = x;
            this.y = y;
            this.z = z;
        }
        public static float Distance(Vector3 a, Vector3 b)
        {
            return (float)System.Math.Sqrt((a.x - b.x) * (a.x - b.x) +
                                           (a.y - b.y) * (a.y - b.y) +
                                           (a.z - b.z) * (a.z - b.z));
        }
    }
    public static class Application
    {
        // Settable here so a test can point it at the build's models.
        public static string streamingAssetsPath { get; set; }
    }
    public static class Debug
    {
        public static readonly System.Collections.Generic.List<string> Errors =
            new System.Collections.Generic.List<string>();
        public static void LogError(object message)
        {
            lock (Errors) Errors.Add(message.ToString());
        }
    }
    [System.AttributeUsage(System.AttributeTargets.Field)]
    public sealed class SerializeField : System.Attribute {}
    [System.AttributeUsage(System.AttributeTargets.Field)]
    public sealed class TooltipAttribute : System.Attribute
    {
        public TooltipAttribute(string tooltip) {}
    }
    [System.AttributeUsage(System.AttributeTargets.Field)]
    public sealed class TextAreaAttribute : System.Attribute {}
}

// Unity's AOT attribute for reverse P/Invoke (UnityEngine.CoreModule), used by
// the binding's Interop/Callbacks.cs when UNITY_5_3_OR_NEWER is defined.
namespace AOT
{
    [System.AttributeUsage(System.AttributeTargets.Method)]
    public sealed class MonoPInvokeCallbackAttribute : System.Attribute
    {
        public MonoPInvokeCallbackAttribute(System.Type type) {}
    }
}
