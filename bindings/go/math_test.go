package wisp

import (
	"context"
	"math"
)

var bg = context.Background()

func abs64(x float64) float64 { return math.Abs(x) }

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// meanCrossEntropy is the mean next-token loss of ids given row t of
// logits predicting ids[t+1], in float64.
func meanCrossEntropy(logits []float32, ids []int32, vocab int) float64 {
	total := 0.0
	for t := 0; t+1 < len(ids); t++ {
		row := logits[t*vocab : (t+1)*vocab]
		maxv := math.Inf(-1)
		for _, v := range row {
			maxv = math.Max(maxv, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - maxv)
		}
		total += maxv + math.Log(sum) - float64(row[ids[t+1]])
	}
	return total / float64(len(ids)-1)
}

func argmax(row []float32) int32 {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return int32(best)
}
