// Readers for the shared reference files (JSON and raw float32).
using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Web.Script.Serialization;

namespace Wisp.Tests
{
    internal static class References
    {
        internal static Dictionary<string, object> Json(string file)
        {
            JavaScriptSerializer json = new JavaScriptSerializer();
            json.MaxJsonLength = int.MaxValue;
            return (Dictionary<string, object>)json.DeserializeObject(
                File.ReadAllText(Fixtures.Reference(file)));
        }

        internal static object[] List(object value)
        {
            return (object[])value;
        }

        internal static int[] Ints(object value)
        {
            object[] items = List(value);
            int[] ints = new int[items.Length];
            for (int i = 0; i < items.Length; ++i) ints[i] = Convert.ToInt32(items[i]);
            return ints;
        }

        internal static float[] Floats(string file)
        {
            byte[] bytes = File.ReadAllBytes(Fixtures.Reference(file));
            float[] floats = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, floats, 0, floats.Length * 4);
            return floats;
        }
    }
}
