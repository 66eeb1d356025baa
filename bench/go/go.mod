module fc-bench-go

go 1.19
