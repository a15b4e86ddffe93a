module wisp

go 1.19
