module top(input clock, input en, input [7:0] d, output reg [7:0] q, output reg [7:0] s);
  reg [7:0] mem [0:511];
  reg [8:0] a;
  always @(posedge clock) begin
    if (en) q <= q + d;
    a <= a + 1;
    mem[a] <= q;
    s <= mem[{1'b0, d}];
  end
endmodule
